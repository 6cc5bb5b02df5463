"""The API by feature: each module holds a feature's output types and its part of the Query root."""

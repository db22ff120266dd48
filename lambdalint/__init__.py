"""lambdalint: a static-analysis linter for AWS Lambda projects."""

__version__ = "0.1.0"

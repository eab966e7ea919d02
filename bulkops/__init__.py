"""bulkops: safe, fast bulk changes to retail-media and performance-marketing campaigns."""

__version__ = "0.1.0"

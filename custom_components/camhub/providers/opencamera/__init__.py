"""OpenCamera: client, live config."""

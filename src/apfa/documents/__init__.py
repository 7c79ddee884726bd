"""Uploaded documents: streaming multipart intake with limits, content sniffing, storage
by id, bounded extraction (text, markdown, HTML, PDF) and background processing into
chunks and cached embeddings."""

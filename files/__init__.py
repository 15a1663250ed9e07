"""Files people share: where their bytes live and what is made of images.

Owns:

- ``files.storage``: bytes under keys, streamed in and out, in a local
  directory or an S3 bucket (``make_storage``), with size limits, byte ranges,
  listing and signed URLs. One contract, checked against both.
- ``files.images``: what a file is, judged from its bytes (``sniff``), and for
  images a display copy and a thumbnail made with decoding limits, upright and
  without metadata (``process_image``).
- ``files.errors``: what both raise, as ``core.errors.DomainError`` with codes.

Does not own: who may see a file, file names, which post a file belongs to,
HTTP (ranges are parsed here, answered by the server). Imports ``core`` only,
never ``server`` or Starlette.
"""

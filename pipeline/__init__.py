"""tipstats: ingest, statistics and reports of trafficking-in-persons cases (README.md)."""
import pyarrow

# Arrow's default allocator (mimalloc) keeps much of what it frees, per thread: with files checked in a second
# thread, a 10M-row refresh peaked some 90 MB higher and entered its rebuild with 140 MB more held
# (docs/benchmarks.md). The system allocator gives freed memory back, and was no slower.
pyarrow.set_memory_pool(pyarrow.system_memory_pool())

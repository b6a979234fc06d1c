#!/usr/bin/env bash
# One session on a GPU machine: the CUDA tests on the device (every activation), then
# bench/gpu_check.py (every function checked on fresh data, then timed), then
# bench/cuda_overhead.py (host microseconds per call), each under a time limit so that the whole
# run ends within about four and a half minutes. Logs go to $OUT (default: ./gpu-logs).
#
#   PYTHONPATH=/path/to/extra/site:$PWD bash bench/gpu_run.sh
#
# Run from the repository root with the Python environment that has numba-cuda (and, for the
# peer columns, torch / cupy). The exit status is gpu_check's (0: every check passed and every
# target met), or pytest's when pytest failed and gpu_check passed.
set -u
OUT=${OUT:-gpu-logs}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
# pytest turns warnings into errors: numba-cuda's "grid size ... under-utilization" warning is
# about launches the tests make small on purpose.
export NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS=0
unset NUMBA_ENABLE_CUDASIM

{
  echo "== $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
  "$PYTHON" -c 'import numpy, numba, numba_cuda, sys; print("python", sys.version.split()[0], "numpy", numpy.__version__, "numba", numba.__version__, "numba-cuda", numba_cuda.__version__)'
} > "$OUT/versions.log" 2>&1

start=$SECONDS
# -p no:benchmark: pytest-benchmark's warning about xdist would be an error here.
timeout -k 10 150 "$PYTHON" -m pytest -q -p no:cacheprovider -p no:benchmark -n 14 tests/test_cuda.py tests/test_cuda_launch.py \
  > "$OUT/pytest_cuda.log" 2>&1
pytest_status=$?
echo "pytest: exit $pytest_status after $((SECONDS - start)) s" >> "$OUT/pytest_cuda.log"

start=$SECONDS
timeout -k 10 160 "$PYTHON" bench/gpu_check.py > "$OUT/gpu_check.log" 2>&1
check_status=$?
echo "gpu_check: exit $check_status after $((SECONDS - start)) s" >> "$OUT/gpu_check.log"

start=$SECONDS
timeout -k 10 40 "$PYTHON" bench/cuda_overhead.py > "$OUT/cuda_overhead.log" 2>&1
echo "cuda_overhead: exit $? after $((SECONDS - start)) s" >> "$OUT/cuda_overhead.log"

tail -n 3 "$OUT/pytest_cuda.log"
tail -n 60 "$OUT/gpu_check.log"
cat "$OUT/cuda_overhead.log"
if [ "$check_status" -ne 0 ]; then exit "$check_status"; fi
exit "$pytest_status"

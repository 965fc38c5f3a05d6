#!/usr/bin/python3
"""LightGBM's own single-row predict time, the peer of the model time of
one POST /predict in mlops serve: lib_lightgbm's
LGBM_BoosterPredictForMatSingleRowFast (the C API's fastest one-row call,
num_threads=1) through ctypes, N times (after 200 warm-up calls) cycling
through the first 256 rows of a CSV whose first column is the label.

  lgbm_single.py LIB_LIGHTGBM.so MODEL.txt ROWS.csv [N]

Prints "single_p50 U us" (ctypes' own overhead, about a microsecond,
included)."""
import ctypes
import sys
import time


def main():
    lib = ctypes.CDLL(sys.argv[1])
    model, path = sys.argv[2].encode(), sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    rows = []
    with open(path) as f:
        f.readline()
        for line in f:
            v = [float(x) for x in line.rstrip("\n").split(",")[1:]]
            rows.append((ctypes.c_double * len(v))(*v))
            if len(rows) >= 256:
                break
    booster = ctypes.c_void_p()
    iters = ctypes.c_int()
    if lib.LGBM_BoosterCreateFromModelfile(model, ctypes.byref(iters),
                                           ctypes.byref(booster)):
        sys.exit("lgbm_single: cannot load " + sys.argv[2])
    fast = ctypes.c_void_p()
    ncol = len(rows[0])
    # predict_type 0 (normal), start 0, all iterations, float64
    if lib.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster, 0, 0, -1, 1, ctypes.c_int32(ncol), b"num_threads=1",
            ctypes.byref(fast)):
        sys.exit("lgbm_single: FastInit failed")
    call = lib.LGBM_BoosterPredictForMatSingleRowFast
    out_len = ctypes.c_int64()
    out = (ctypes.c_double * 1)()
    pl, po = ctypes.byref(out_len), out
    lat = []
    for i in range(200 + n):
        r = rows[i % len(rows)]
        t0 = time.perf_counter_ns()
        call(fast, r, pl, po)
        t1 = time.perf_counter_ns()
        if i >= 200:
            lat.append(t1 - t0)
    lat.sort()
    print("single_p50 %.1f us" % (lat[len(lat) // 2] / 1e3))


if __name__ == "__main__":
    main()

"""Run every benchmark in this folder and print its report."""

from benchmarks import bench_zoo_load

if __name__ == "__main__":
    bench_zoo_load.main()

#!/usr/bin/env bash
# Runs the benchmark suite the way docs/BENCHMARKS.md reports it: machine facts, `openssl speed rsa2048 ed25519`
# (the reference for the signing targets), the BenchmarkDotNet suite in Release, then `openssl speed` again so the
# OpenSSL figures bracket ours on a machine whose load changes. Extra arguments replace the default filter, e.g.
#   tests/Milter.Benchmarks/run-benchmarks.sh '*KeySigning*'
# BenchmarkDotNet's reports land in BenchmarkDotNet.Artifacts/results/ (git-ignored). Takes about 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== machine"
echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo
echo "dotnet: $(dotnet --version)"
openssl version
uptime

echo "== openssl speed (before)"
openssl speed rsa2048 ed25519 2>/dev/null | grep -E 'sign/s|^rsa 2048|Ed25519'

echo "== BenchmarkDotNet"
if (($# == 0)); then
    set -- '*'
fi
dotnet run -c Release --project tests/Milter.Benchmarks -- --filter "$@"

echo "== openssl speed (after)"
openssl speed rsa2048 ed25519 2>/dev/null | grep -E 'sign/s|^rsa 2048|Ed25519'
uptime

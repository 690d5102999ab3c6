#!/usr/bin/env bash
# Installs what Lethe needs on a fresh Debian/Ubuntu machine and builds it in release mode.
# Sourced by Scripts/test.sh and Scripts/demo.sh; safe to run again (skips what is present).
set -euo pipefail

LETHE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# zstd (the command-line tool) lets the tests check our frames against the reference implementation.
LETHE_SYSTEM_PACKAGES=(pkg-config libopenmpi-dev openmpi-bin libopenblas-dev libzstd-dev zstd libpng-dev libjpeg-dev)

lethe_missing_packages() {
    local missing=()
    for package in "${LETHE_SYSTEM_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    echo "${missing[@]:-}"
}

lethe_install_system_packages() {
    if ! command -v dpkg-query >/dev/null; then
        echo "setup: this script installs with apt-get (Debian/Ubuntu). Elsewhere install Open MPI, OpenBLAS," \
             "zstd and pkg-config development packages yourself, then run: swift build -c release" >&2
        return 1
    fi
    local missing
    missing="$(lethe_missing_packages)"
    if [[ -z "${missing// /}" ]]; then
        return 0
    fi
    local apt=(apt-get)
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            apt=(sudo apt-get)
        else
            echo "setup: missing system packages: $missing" >&2
            echo "setup: install them as root:  apt-get update && apt-get install -y $missing" >&2
            return 1
        fi
    fi
    echo "setup: installing $missing" >&2
    "${apt[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends $missing >/dev/null
}

lethe_check_swift() {
    if ! command -v swift >/dev/null; then
        echo "setup: the Swift toolchain (6.1 or newer) is not on PATH; install it from swift.org and retry" >&2
        return 1
    fi
}

lethe_build() {
    echo "setup: building (release)" >&2
    (cd "$LETHE_ROOT" && swift build -c release "$@")
}

# Open MPI refuses to start as root unless told; CI and containers run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

lethe_install_system_packages
lethe_check_swift

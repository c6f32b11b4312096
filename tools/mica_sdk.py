#!/usr/bin/env python3
"""./mica sdk DIR: starts a project of your own that builds Mica programs
with CMake and the SDK this build made (build/target/sdk: a toolchain file
and a CMake package with mica_add_program). Writes DIR/CMakeLists.txt and
DIR/hello.c when they do not exist yet, and prints the commands."""
import argparse
import os
import sys

CMAKELISTS = """cmake_minimum_required(VERSION 3.20)
project(my_mica_programs C ASM)
# Configure with -DCMAKE_TOOLCHAIN_FILE={sdk}/toolchain.cmake
find_package(Mica REQUIRED CONFIG)
mica_add_program(hello hello.c)
"""

HELLO = """#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello from my own Mica project (%d arguments)\\n", argc - 1);
    return 0;
}
"""


def main():
    ap = argparse.ArgumentParser(prog="mica sdk")
    ap.add_argument("--build", required=True)
    ap.add_argument("dir")
    args = ap.parse_args()
    sdk = os.path.join(os.path.abspath(args.build), "target", "sdk")
    if not os.path.exists(os.path.join(sdk, "MicaConfig.cmake")):
        sys.exit(f"mica: no SDK at {sdk}; build first")
    os.makedirs(args.dir, exist_ok=True)
    for name, text in (("CMakeLists.txt", CMAKELISTS.format(sdk=sdk)), ("hello.c", HELLO)):
        path = os.path.join(args.dir, name)
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(text)
    d = os.path.abspath(args.dir)
    mica = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mica")
    print(f"mica: a Mica project in {d}. Build and run it with:\n\n"
          f"  cmake -S {d} -B {d}/build -DCMAKE_TOOLCHAIN_FILE={sdk}/toolchain.cmake\n"
          f"  cmake --build {d}/build\n"
          f"  {mica} run --with {d}/build -- hello\n")


if __name__ == "__main__":
    main()

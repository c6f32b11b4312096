#!/bin/sh
# The kernel's headers and sources are the kernel's alone (issue 13, STYLE.md
# section 1): user code (libsys, servers, programs, target tests), lib/ and
# the public headers never include kernel/include or build kernel/ sources;
# shared pure code lives in lib/. Only kernel/ and the host tests of kernel
# code (tests/host) may. Run by the build; exits 1 on a violation.
# usage: check_layers.sh SOURCE_DIR
cd "$1" || exit 1
dirs="lib libsys servers programs include tests/target bootimg"
bad=0
if grep -rnE '#[[:space:]]*include[[:space:]]*[<"](kernel|arch|arch_riscv|arch_impl)/' $dirs; then
    echo "error: user code or lib/ includes kernel headers (use lib/ or include/)" >&2
    bad=1
fi
if grep -rnE 'kernel/(include|core|arch)' --include=CMakeLists.txt --include='*.cmake' \
        $dirs tests/CMakeLists.txt cmake CMakeLists.txt; then
    echo "error: a build file outside kernel/ points into the kernel's sources" >&2
    bad=1
fi
exit $bad

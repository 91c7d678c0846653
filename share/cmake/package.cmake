# The Debian package (issue 12): `cpack -G DEB` in a build directory writes slatop_VERSION_ARCH.deb
# with what `cmake --install` installs (binary, man page, shipped policies, bash/zsh/fish
# completions). Configure with -DCMAKE_INSTALL_PREFIX=/usr for a package that installs under /usr:
# the binary names the policy directory of the prefix it was configured with, and the package
# installs under that same prefix, so the two always agree.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME slatop)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "slatop maintainers <slatop@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "terminal support console: SLA timers, audit log, uptime")
set(CPACK_PACKAGE_DESCRIPTION
    "slatop keeps support tickets against the response times of a support contract, with a\n tamper-evident audit log and the monitored service's uptime, in a terminal console.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The linked libraries' packages are computed by dpkg-shlibdeps from the binary. libcrypto is
# dlopen'd on the first hash (src/store/audit.c), which dpkg-shlibdeps cannot see: named here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libssl3")
include(CPack)

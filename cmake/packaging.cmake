# Install rules and the Debian package (issue 14). Included last from the top
# CMakeLists.txt, once every target exists:
#   cmake --build build && cpack -G DEB --config build/CPackConfig.cmake
# Man pages and completions come from the rollcall_docs target, which must be
# part of ALL: an install with them missing fails, and so should the package.
include(GNUInstallDirs)

set(ROLLCALL_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "where the systemd units go (relative: under the install prefix, /usr in the .deb)")
set(ROLLCALL_PACKAGE_MAINTAINER "Rollcall maintainers <eng@rollcall.dev>" CACHE STRING
    "Maintainer field of the .deb")

install(TARGETS rollcalld rollcall rollcall-agent rollcall-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(_rollcall_generated ${CMAKE_BINARY_DIR}/generated)
install(DIRECTORY ${_rollcall_generated}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        FILES_MATCHING PATTERN "*.1")
install(FILES ${_rollcall_generated}/completion/rollcall
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions)
install(FILES ${_rollcall_generated}/completion/_rollcall
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions)

install(FILES packaging/systemd/rollcalld.service packaging/systemd/rollcall-agent.service
        DESTINATION ${ROLLCALL_SYSTEMD_UNIT_DIR})

# Absolute on purpose: configuration lives in /etc whatever the prefix (CPack's
# DEB generator stages with DESTDIR, so this lands in the package, not on the
# build machine). 0640 because the operator puts tokens in them; postinst
# gives them to group rollcall.
install(FILES packaging/etc/rollcalld.env packaging/etc/agent.env
        DESTINATION /etc/rollcall
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)

install(FILES README.md BENCHMARKS.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")

# --- the .deb -------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rollcall)
set(CPACK_PACKAGE_VENDOR Rollcall)
# The same version --version reports: the commit's tag, else the project's.
include(${CMAKE_CURRENT_LIST_DIR}/release_version.cmake)
rollcall_release_version(ROLLCALL_PACKAGE_VERSION ${PROJECT_SOURCE_DIR} ${PROJECT_VERSION})
set(CPACK_PACKAGE_VERSION ${ROLLCALL_PACKAGE_VERSION})
set(CPACK_PACKAGE_CONTACT "${ROLLCALL_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "roll a container release across a fleet and prove every tenant landed")
# CPackDeb puts the summary above this as the first line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Canary first, per-tenant timeouts and health gates, proof of the running image, quarantine of \
stragglers, release fencing and a durable ledger. Ships rollcalld (the control plane), rollcall (the CLI \
for CI and operators), rollcall-agent (for tenant hosts) and rollcall-sim (a fleet simulator).")
set(CPACK_DEBIAN_PACKAGE_NAME rollcall)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # rollcall_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ROLLCALL_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps appends libc6, libcurl4, libsqlite3-0, libpq5, ... to this.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # postinst creates the rollcall user
# Recommends, not Depends: the binaries run without systemd (containers, CI).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-client")  # the exec driver over ssh
# CPack marks nothing as a conffile by itself: the list is explicit.
set(_rollcall_debian ${PROJECT_SOURCE_DIR}/packaging/debian)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_rollcall_debian}/postinst ${_rollcall_debian}/prerm ${_rollcall_debian}/postrm ${_rollcall_debian}/conffiles)
# Scripts 0755, conffiles 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

# Finds the Debian 12 packages mailtoken builds against. Debian's libsoci-dev ships no CMake
# config and no .pc file, and dovecot-dev has only /usr/lib/dovecot/dovecot-config, so those
# two are found by hand (HOSTS.md).
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)

find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
add_library(soci::core UNKNOWN IMPORTED)
set_target_properties(soci::core PROPERTIES
  IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}")

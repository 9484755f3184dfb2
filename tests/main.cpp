// Catch2 main for the forensics test suite.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

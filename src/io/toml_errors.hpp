// Earlier name of io/toml_reader.hpp, kept so that code written against it still compiles.
#pragma once
#include "io/toml_reader.hpp"

/// \file
/// Go's bufio package for simsock::net, in one include: Reader
/// (bufio_reader.h), Writer (bufio_writer.h) and Scanner with its split
/// functions (scanner.h). See docs/net.md, "io and bufio".
#pragma once

#include "simsock/net/io/bufio_reader.h"  // IWYU pragma: export
#include "simsock/net/io/bufio_writer.h"  // IWYU pragma: export
#include "simsock/net/io/io.h"            // IWYU pragma: export
#include "simsock/net/io/scanner.h"       // IWYU pragma: export

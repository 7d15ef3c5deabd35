// ParseRequest: one HTTP/1.1 request from the front of a byte buffer.
//
// Stateless and incremental by re-parsing: call it with everything received
// so far; it answers "incomplete", a complete request plus how many bytes it
// used (the rest may hold pipelined requests), or an error carrying the
// status to answer with. Re-parsing costs O(header size) per call, because
// the header end is found before any body byte is looked at.
//
// Supported: origin-form targets (and "*"), HTTP/1.0 and 1.1, Content-Length
// bodies, "Expect: 100-continue". Not supported (answered as errors):
// Transfer-Encoding request bodies (501), obsolete header line folding (400).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "net/http_message.h"

namespace rollcall::net {

struct ParserLimits {
  size_t max_header_bytes = 16 * 1024;  // request line + headers; larger -> 431
  size_t max_body_bytes = 1024 * 1024;  // Content-Length above it -> 413
};

struct ParseResult {
  enum class State {
    kIncomplete,  // need more bytes; `headers_done` says whether the head is in
    kComplete,    // `request` is filled and `consumed` bytes belong to it
    kError,       // answer `error_status` with `error` and close the connection
  };
  State state = State::kIncomplete;
  HttpRequest request;
  size_t consumed = 0;
  bool headers_done = false;  // kIncomplete only: the head parsed, body still arriving
  int error_status = 0;
  std::string error;
};

// Parses the request at the front of `buffer`. Leading blank lines (CRLF) are
// skipped and counted in `consumed`, as RFC 9112 §2.2 allows.
ParseResult ParseRequest(std::string_view buffer, const ParserLimits& limits = {});

}  // namespace rollcall::net

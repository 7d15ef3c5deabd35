#include "core/listen_address.h"

#include <charconv>
#include <fmt/format.h>

namespace rollcall {

Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return Status::Invalid("--listen: expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Status::Invalid("--listen: expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int number = -1;
  auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (host.empty() || err != std::errc() || end != port.data() + port.size() || number < 0 ||
      number > 65535) {
    return Status::Invalid(fmt::format("--listen: bad address \"{}\" (expected HOST:PORT)", text));
  }
  return std::make_pair(std::string(host), number);
}

}  // namespace rollcall

#include "core/image_ref.h"

#include <algorithm>

#include "core/types.h"

namespace rollcall {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAsciiAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [a-z0-9]+ separated by '.', '_', "__" or any run of '-'.
bool IsPathComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t run = i;
    while (run < c.size() && !IsLowerAlnum(c[run])) ++run;
    std::string_view sep = c.substr(i, run - i);
    const bool dashes = std::all_of(sep.begin(), sep.end(), [](char ch) { return ch == '-'; });
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = run;
  }
  return true;
}

// One DNS label: letters and digits, '-' inside.
bool IsDomainLabel(std::string_view label) {
  if (label.empty() || !IsAsciiAlnum(label.front()) || !IsAsciiAlnum(label.back())) return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return IsAsciiAlnum(c) || c == '-'; });
}

bool IsHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    std::string_view v6 = host.substr(1, host.size() - 2);
    return std::all_of(v6.begin(), v6.end(), [](char c) { return IsHex(c) || c == ':'; });
  }
  size_t begin = 0;
  for (;;) {
    size_t dot = host.find('.', begin);
    if (!IsDomainLabel(host.substr(begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    begin = dot + 1;
  }
}

// host[:port]
bool IsDomain(std::string_view domain) {
  size_t colon = domain.rfind(':');
  if (colon != std::string_view::npos && domain.find(']', colon) == std::string_view::npos) {
    std::string_view port = domain.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    domain = domain.substr(0, colon);
  }
  return IsHost(domain);
}

// algorithm:hex, e.g. sha256:<64 hex>
bool IsDigest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view algorithm = digest.substr(0, colon), hex = digest.substr(colon + 1);
  if (!std::isalpha(static_cast<unsigned char>(algorithm.front()))) return false;
  const bool algorithm_ok = std::all_of(algorithm.begin(), algorithm.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '+' || c == '.' || c == '-' || c == '_';
  });
  return algorithm_ok && hex.size() >= 32 && std::all_of(hex.begin(), hex.end(), IsHex);
}

}  // namespace

bool IsValidRepository(std::string_view repository) {
  if (repository.empty() || repository.size() > 255) return false;
  size_t slash = repository.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = repository.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      if (!IsDomain(first)) return false;
      repository.remove_prefix(slash + 1);
    }
  }
  size_t begin = 0;
  for (;;) {
    size_t next = repository.find('/', begin);
    std::string_view component =
        repository.substr(begin, next == std::string_view::npos ? std::string_view::npos : next - begin);
    if (!IsPathComponent(component)) return false;
    if (next == std::string_view::npos) return true;
    begin = next + 1;
  }
}

bool IsValidImageReference(std::string_view reference) {
  size_t at = reference.find('@');
  if (at != std::string_view::npos) {
    if (!IsDigest(reference.substr(at + 1))) return false;
    reference = reference.substr(0, at);
  }
  size_t colon = reference.rfind(':');
  size_t slash = reference.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    if (!IsValidTag(reference.substr(colon + 1))) return false;
    reference = reference.substr(0, colon);
  }
  return IsValidRepository(reference);
}

}  // namespace rollcall

#include "core/docker_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/argv_template.h"

namespace rollcall {
namespace {

Status FieldError(std::string_view path, std::string_view field, std::string_view what) {
  return Status::Invalid(fmt::format("{}docker.{}: {}", path, field, what));
}

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// tcp://host:port with a numeric port in 1..65535; `host` gets the host part.
bool ParseTcpHost(std::string_view rest, std::string& host) {
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) return false;
  std::string_view port = rest.substr(colon + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) return false;
  host = std::string(rest.substr(0, colon));
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '[' || c == ']' || c == ':';
  });
}

Status ValidateHost(const DockerSettings& d, std::string_view path) {
  constexpr std::string_view kUnix = "unix://";
  constexpr std::string_view kTcp = "tcp://";
  const std::string& h = d.host;
  if (h.rfind(kUnix, 0) == 0) {
    std::string_view socket = std::string_view(h).substr(kUnix.size());
    bool printable = std::none_of(socket.begin(), socket.end(), [](char c) {
      return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    });
    if (socket.size() < 2 || socket.front() != '/' || !printable) {
      return FieldError(path, "host", "a unix socket must be unix:///absolute/path");
    }
    if (d.tls.Enabled()) return FieldError(path, "tls", "applies to tcp:// hosts only");
    return Status::Ok();
  }
  std::string host;
  if (h.rfind(kTcp, 0) != 0 || !ParseTcpHost(std::string_view(h).substr(kTcp.size()), host)) {
    return FieldError(path, "host", fmt::format("must be unix:///path or tcp://host:port, got \"{}\"", h));
  }
  if (!d.tls.Enabled() && !IsLoopbackHost(host)) {
    return FieldError(path, "tls",
                      "required for a tcp:// host that is not loopback (the Engine API is root on "
                      "that host)");
  }
  if (d.tls.Enabled() && (d.tls.cert_file.empty() != d.tls.key_file.empty())) {
    return FieldError(path, "tls", "cert_file and key_file go together");
  }
  return Status::Ok();
}

// The template's unknown placeholders, then its grammar once every
// placeholder stands for a plain value.
Status ValidateNameTemplate(const std::string& text, const std::vector<std::string>& placeholders,
                            std::string_view path, std::string_view field, bool label) {
  if (Status s = CheckArgvTemplate({text}, placeholders); !s.ok()) {
    // "argv[0]: unknown placeholder {x}" -> "docker.container: unknown placeholder {x}"
    std::string_view message = s.message();
    if (message.rfind("argv[0]", 0) == 0) message.remove_prefix(7);
    return Status::Invalid(fmt::format("{}docker.{}{}", path, field, message));
  }
  PlaceholderValues sample;
  for (const std::string& name : placeholders) sample.emplace(name, std::string(1, 'a'));
  Result<std::vector<std::string>> filled = SubstituteArgv({text}, sample);
  if (!filled.ok()) return FieldError(path, field, filled.status().message());
  const std::string& value = filled->front();
  if (label) {
    size_t eq = value.find('=');
    bool printable = std::none_of(value.begin(), value.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (eq == 0 || eq == std::string::npos || !printable) {
      return FieldError(path, field, "must be key=value with a non-empty key");
    }
    return Status::Ok();
  }
  if (!IsValidDockerName(value)) {
    return FieldError(path, field,
                      fmt::format("\"{}\" is not a Docker name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", text));
  }
  return Status::Ok();
}

}  // namespace

bool IsValidDockerName(std::string_view name) {
  if (name.empty() || name.size() > 128 || !std::isalnum(static_cast<unsigned char>(name.front()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

Result<DockerSettings> ParseDockerSettings(const Json& j, const std::string& path) {
  DockerSettings d;
  FieldReader r(j, path + "docker.");
  r.Require("host");
  r.Read("host", d.host);
  r.Read("container", d.container);
  r.Read("keep", d.keep);
  r.Read("stop_grace_s", d.stop_grace_s);
  if (const Json* select = r.Raw("select")) {
    FieldReader sr(*select, path + "docker.select.");
    sr.Require("label");
    sr.Read("label", d.select_label);
    if (Status s = sr.Finish(); !s.ok()) return s;
  }
  if (const Json* tls = r.Raw("tls")) {
    FieldReader tr(*tls, path + "docker.tls.");
    tr.Read("ca_file", d.tls.ca_file);
    tr.Read("cert_file", d.tls.cert_file);
    tr.Read("key_file", d.tls.key_file);
    if (Status s = tr.Finish(); !s.ok()) return s;
  }
  if (Status s = r.Finish(); !s.ok()) return s;
  return d;
}

Json ToJson(const DockerSettings& d) {
  Json j = {{"host", d.host}, {"keep", d.keep}, {"stop_grace_s", d.stop_grace_s}};
  if (!d.container.empty()) j["container"] = d.container;
  if (!d.select_label.empty()) j["select"] = {{"label", d.select_label}};
  if (d.tls.Enabled()) {
    j["tls"] = {{"ca_file", d.tls.ca_file}, {"cert_file", d.tls.cert_file}, {"key_file", d.tls.key_file}};
  }
  return j;
}

Status ValidateDockerSettings(const DockerSettings& d, const std::vector<std::string>& placeholders,
                              std::string_view path) {
  if (Status s = ValidateHost(d, path); !s.ok()) return s;
  if (d.container.empty() == d.select_label.empty()) {
    return FieldError(path, "container", "give exactly one of container and select.label");
  }
  if (!d.container.empty()) {
    if (Status s = ValidateNameTemplate(d.container, placeholders, path, "container", false); !s.ok()) {
      return s;
    }
  } else if (Status s = ValidateNameTemplate(d.select_label, placeholders, path, "select.label", true);
             !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < d.keep.size(); ++i) {
    const std::string field = fmt::format("keep[{}]", i);
    if (Status s = ValidateNameTemplate(d.keep[i], placeholders, path, field, false); !s.ok()) return s;
  }
  if (d.stop_grace_s < 0 || d.stop_grace_s > 600) {
    return FieldError(path, "stop_grace_s", "must be between 0 and 600 seconds");
  }
  return Status::Ok();
}

}  // namespace rollcall

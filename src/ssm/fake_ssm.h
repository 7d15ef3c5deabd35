// FakeSsm: an AWS Systems Manager endpoint for tests (a third-party cloud
// API is the one place a fake is allowed): SendCommand,
// GetCommandInvocation and CancelCommand over HTTP on loopback, each
// request's SigV4 signature recomputed with the known secret (a wrong one
// is a 400 AccessDenied, and counted), scripted per instance: any terminal
// status, SSM's output truncation, throttling, commands that never end.
// It also serves the EC2 instance metadata service (IMDSv2) on a second
// port, handing out temporary credentials it then requires.
//
// A successful deploy changes the instance's image to the last word of its
// first command ("/opt/app/redeploy registry/app:v2"); its output ends with
// the proof line unless scripted otherwise; an inspect (a command whose
// comment starts "rollcall inspect") prints the image. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json_reader.h"

namespace rollcall {

struct FakeSsmInstance {
  std::string status = "Success";  // the terminal Status
  std::string details{};           // its StatusDetails ("" = the same as Status)
  int response_code = 0;
  bool marker = true;              // the deploy's output ends with ROLLCALL_RUNNING_IMAGE=<image>
  size_t output_padding = 0;       // characters of output before it (SSM keeps 24,000)
  int in_progress_polls = 1;       // InProgress answers before the terminal one; -1: it never ends
  int throttles = 0;               // ThrottlingException answers each call meets first
  std::string image = "registry.ssm/app:v1";  // what runs
};

struct FakeSsmCommand {
  std::string command_id, instance_id, document, comment;
  std::vector<std::string> commands;
  std::string execution_timeout;
};

class FakeSsm {
 public:
  // Requests must be signed with this key pair (unless credentials come
  // from its metadata service, whose own pair and token then apply).
  FakeSsm(std::string access_key_id, std::string secret_access_key);
  ~FakeSsm();
  FakeSsm(const FakeSsm&) = delete;
  FakeSsm& operator=(const FakeSsm&) = delete;

  std::string url() const;           // "http://127.0.0.1:PORT/"
  std::string metadata_url() const;  // "http://127.0.0.1:PORT2"

  void Script(const std::string& instance_id, FakeSsmInstance script);
  FakeSsmInstance Instance(const std::string& instance_id);

  std::vector<FakeSsmCommand> sent();
  std::vector<std::string> cancelled();  // command ids
  int bad_signatures();
  int throttled();  // ThrottlingException answers given
  int calls(const std::string& op);
  // The metadata service's temporary key pair and token, and how often its
  // token was asked for.
  std::string metadata_access_key() const { return "ASIAFAKEIMDS0000001"; }
  int metadata_token_requests();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rollcall

#include "podman_host.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace rollcall::it {
namespace {

namespace fs = std::filesystem;

// Runs a tool to completion; its stdout, or why it failed.
Result<std::string> RunTool(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
                            Deadline deadline = After(std::chrono::seconds(120))) {
  const std::string what = argv[0] + " " + (argv.size() > 1 ? argv[1] : "");
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(std::move(argv), env);
  if (!child.ok()) return child.status();
  Result<int> code = (*child)->Wait(deadline);
  if (!code.ok()) return Status::Unavailable(what + ": did not exit in time");
  if (*code != 0) {
    return Status::Unavailable(fmt::format("{}: exit {}: {}", what, *code, (*child)->ReadStderr()));
  }
  return (*child)->ReadStdout();
}

void WriteFile(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

const std::vector<AppVersion>& AppVersions() {
  static const std::vector<AppVersion> versions = {
      {"v1", "1111111aaaa", true, 0},
      {"v2", "2222222bbbb", true, 0},
      {"sick", "3333333cccc", false, 0},
      {"slow", "4444444dddd", true, 4},
  };
  return versions;
}

const AppVersion& Version(const std::string& tag) {
  for (const AppVersion& v : AppVersions()) {
    if (v.tag == tag) return v;
  }
  return AppVersions().front();
}

Result<std::unique_ptr<PodmanHost>> PodmanHost::Start() {
  if (access(kPodman, X_OK) != 0) return Status::Unavailable(std::string(kPodman) + " is not installed");
  if (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0) {
    return Status::Unavailable("runc is not installed");
  }
  if (access("/bin/busybox", X_OK) != 0) return Status::Unavailable("busybox-static is not installed");
  if (geteuid() != 0) return Status::Unavailable("rootful podman needs root (runc, host networking)");
  if (!TestRegistry::Available()) return Status::Unavailable(std::string(TestRegistry::kBin) + " is not installed");

  std::unique_ptr<PodmanHost> host(new PodmanHost());
  std::string dir_template = (fs::exists("/dev/shm") ? "/dev/shm" : "/tmp") + std::string("/rcit-podman-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) return Status::Internal("mkdtemp failed");
  host->dir_ = dir_template;
  host->test_label_ = fmt::format("rollcall.test={}", getpid());

  Result<std::unique_ptr<TestRegistry>> registry = TestRegistry::Start();
  if (!registry.ok()) return registry.status();
  host->registry_ = std::move(registry).value();

  const fs::path dir = host->dir_;
  // The sandbox refuses podman's default rlimits; the registry is plain http.
  WriteFile(dir / "containers.conf", "[containers]\ndefault_ulimits = []\n");
  WriteFile(dir / "registries.conf",
            fmt::format("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", host->registry_->host()));
  host->env_ = {{"CONTAINERS_CONF", (dir / "containers.conf").string()},
                {"CONTAINERS_REGISTRIES_CONF", (dir / "registries.conf").string()}};
  host->socket_ = (dir / "podman.sock").string();
  Result<std::unique_ptr<ChildProcess>> service = ChildProcess::Start(
      {kPodman, "--runtime", "runc", "system", "service", "--time=0", "unix://" + host->socket_}, host->env_);
  if (!service.ok()) return service.status();
  host->service_ = std::move(service).value();

  CurlEngineOptions options;
  options.host = host->socket_url();
  options.call_timeout = std::chrono::seconds(60);
  host->engine_ = std::make_unique<CurlEngine>(options);
  const Deadline deadline = After(std::chrono::seconds(30));
  for (;;) {
    auto [status, body] = host->Get("/_ping");
    if (status == 200) break;
    if (!host->service_->Running()) {
      return Status::Unavailable("podman system service exited: " + host->service_->ReadStderr());
    }
    if (SteadyClock::now() > deadline) return Status::Unavailable("podman system service did not answer /_ping");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the socket appears asynchronously
  }
  if (Status s = host->BuildImages(); !s.ok()) return s;
  // Whether this host can run a container at all.
  Result<std::string> probe = host->RunContainer(fmt::format("rcit-{}-probe", getpid()), host->Image("v1"),
                                                 {"PORT=1"}, {}, {"/bin/busybox", "true"});
  if (!probe.ok()) return Status::Unavailable("cannot start a container: " + probe.status().message());
  host->engine().Remove(fmt::format("rcit-{}-probe", getpid())).IgnoreError();
  return host;
}

Status PodmanHost::BuildImages() {
  const fs::path base = fs::path(dir_) / "images";
  for (const AppVersion& v : AppVersions()) {
    const fs::path root = base / v.tag / "rootfs";
    fs::create_directories(root / "bin");
    fs::create_directories(root / "www");
    fs::copy_file("/bin/busybox", root / "bin" / "busybox", fs::copy_options::overwrite_existing);
    WriteFile(root / "start.sh",
              "d=$(/bin/busybox cat /delay 2>/dev/null)\n"
              "[ -n \"$d\" ] && /bin/busybox sleep \"$d\"\n"
              "exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h /www\n");
    if (v.start_delay_s > 0) WriteFile(root / "delay", std::to_string(v.start_delay_s));
    WriteFile(root / "www" / "buildinfo", fmt::format("{{\"git_sha\":\"{}\"}}", v.git_sha));
    if (v.healthy) WriteFile(root / "www" / "healthz", "ok\n");
    const std::string tar = (base / v.tag / "rootfs.tar").string();
    if (Result<std::string> r = RunTool({"/bin/tar", "-C", root.string(), "-cf", tar, "."}, {}); !r.ok()) {
      return r.status();
    }
    const std::string local = "localhost/rcit-app:" + v.tag;
    Result<std::string> imported = RunTool(
        {kPodman, "import", "--change", R"(CMD ["/bin/busybox","sh","/start.sh"])", tar, local}, env_);
    if (!imported.ok()) return imported.status();
    Result<std::string> pushed =
        RunTool({kPodman, "push", "--tls-verify=false", "--quiet", local, Image(v.tag)}, env_);
    if (!pushed.ok()) return pushed.status();
  }
  // Containers start from the registry's v1, as a deploy would have left them.
  return engine_->Pull(Image("v1"), "", std::chrono::seconds(60));
}

Result<std::string> PodmanHost::RunContainer(const std::string& name, const std::string& image,
                                             const std::vector<std::string>& env,
                                             const std::map<std::string, std::string>& labels,
                                             const std::vector<std::string>& cmd,
                                             const std::vector<std::string>& binds) {
  Json all_labels = labels;
  const size_t eq = test_label_.find('=');
  all_labels[test_label_.substr(0, eq)] = test_label_.substr(eq + 1);
  Json body = {{"Image", image},
               {"Env", env},
               {"Labels", all_labels},
               {"HostConfig",
                {{"NetworkMode", "host"},
                 {"RestartPolicy", {{"Name", "unless-stopped"}}},
                 {"Binds", binds},
                 {"ExtraHosts", {"db.internal:127.0.0.9"}}}}};
  if (!cmd.empty()) body["Cmd"] = cmd;
  Result<std::string> id = engine_->Create(name, body);
  if (!id.ok()) return id.status();
  if (Status s = engine_->Start(*id); !s.ok()) return s;
  return id;
}

std::vector<std::string> PodmanHost::NamesWith(const std::string& label) {
  Result<std::vector<std::string>> names = engine_->NamesByLabel(label);
  return names.ok() ? *names : std::vector<std::string>{};
}

std::pair<long, std::string> PodmanHost::Get(const std::string& path) {
  CURL* e = curl_easy_init();
  std::string body;
  const std::string url = "http://podman/v1.41" + path;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* out) {
    static_cast<std::string*>(out)->append(d, s * n);
    return s * n;
  });
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(e) == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(e);
  return {status, body};
}

Status PodmanHost::CreateVolume(const std::string& name) {
  return RunTool({kPodman, "volume", "create", "--label", test_label_, name}, env_).status();
}

void PodmanHost::RemoveTestContainers() {
  if (!engine_) return;
  for (const std::string& name : NamesWith(test_label_)) engine_->Remove(name).IgnoreError();
  RunTool({kPodman, "volume", "prune", "--force", "--filter", "label=" + test_label_}, env_,
          After(std::chrono::seconds(30)))
      .status()
      .IgnoreError();
}

PodmanHost::~PodmanHost() {
  RemoveTestContainers();
  if (service_) {
    // The images the tests pulled and built.
    std::vector<std::string> rmi = {kPodman, "rmi", "--force", "--ignore"};
    for (const AppVersion& v : AppVersions()) {
      rmi.push_back(Image(v.tag));
      rmi.push_back("localhost/rcit-app:" + v.tag);
    }
    RunTool(rmi, env_, After(std::chrono::seconds(30))).status().IgnoreError();
  }
  service_.reset();
  registry_.reset();
  std::error_code ignored;
  if (!dir_.empty() && !std::getenv("ROLLCALL_KEEP_TEST_OUTPUT")) fs::remove_all(dir_, ignored);
}

}  // namespace rollcall::it

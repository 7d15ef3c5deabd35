#include "registry/oci_client.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>

#include "registry/digest.h"

namespace rollcall {
namespace {

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
constexpr char kRealm[] = "https://auth.example/token";
constexpr char kBase[] = "https://registry.example/v2/app/manifests/";
// Odd spacing on purpose: a client that re-serialized it would change the digest.
constexpr char kBytes[] =
    "{\"schemaVersion\":2,  \"mediaType\":\"application/vnd.oci.image."
    "manifest.v1+json\",\n \"config\":{}, \"layers\":[]}\n";

RegistryResponse Answer(int status, std::string body = "", RegistryHeaders headers = {}) {
  return RegistryResponse{status, std::move(body), std::move(headers)};
}

std::string HeaderOf(const RegistryRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (HeaderNameEquals(n, name)) return v;
  }
  return "";
}

// A registry in memory: manifests by tag, optional basic or token auth, and
// an `intercept` hook for faults. Records every request it is sent.
class FakeRegistry : public RegistryTransport {
 public:
  enum class Auth { kNone, kBasic, kBearer };
  struct Stored {
    std::string bytes;
    std::string media_type;
  };

  std::map<std::string, Stored> tags;
  Auth auth = Auth::kNone;
  std::string username = "ci";
  std::string password = "s3cret";
  bool token_grants_push = true;
  std::vector<RegistryRequest> requests;
  std::function<std::optional<Result<RegistryResponse>>(const RegistryRequest&)> intercept;

  Result<RegistryResponse> Send(const RegistryRequest& r) override {
    requests.push_back(r);
    if (intercept) {
      if (auto answer = intercept(r)) return *answer;
    }
    if (r.url.starts_with(kRealm)) return TokenService(r);
    if (!r.url.starts_with(kBase)) return Answer(404);
    const std::string tag = r.url.substr(std::string(kBase).size());
    const bool push = r.method == "PUT";
    if (!Authorized(r, push)) return Challenge(push);
    return push ? Put(tag, r) : Get(tag, r);
  }

  int Count(const std::string& method, const std::string& url_prefix) const {
    int n = 0;
    for (const RegistryRequest& r : requests)
      n += r.method == method && r.url.starts_with(url_prefix);
    return n;
  }

 private:
  std::string BasicValue() const { return "Basic Y2k6czNjcmV0"; }  // ci:s3cret

  bool Authorized(const RegistryRequest& r, bool push) const {
    const std::string a = HeaderOf(r, "Authorization");
    switch (auth) {
      case Auth::kNone:
        return true;
      case Auth::kBasic:
        return a == BasicValue();
      case Auth::kBearer:
        if (push) return a == "Bearer tok-push" && token_grants_push;
        return a == "Bearer tok-pull" || a == "Bearer tok-push";
    }
    return false;
  }

  RegistryResponse Challenge(bool push) const {
    const std::string body =
        R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
    if (auth == Auth::kBasic) {
      return Answer(401, body, {{"WWW-Authenticate", "Basic realm=\"Registry Realm\""}});
    }
    const std::string scope = push ? "repository:app:pull,push" : "repository:app:pull";
    return Answer(
        401, body,
        {{"Www-Authenticate", std::string("Bearer realm=\"") + kRealm +
                                  "\",service=\"registry.example\",scope=\"" + scope + "\""}});
  }

  // Anonymous pulls get a pull token; push needs the basic credentials.
  RegistryResponse TokenService(const RegistryRequest& r) const {
    const bool push = r.url.find("%3Apull%2Cpush") != std::string::npos;
    const bool basic = HeaderOf(r, "Authorization") == BasicValue();
    if (!HeaderOf(r, "Authorization").empty() && !basic) return Answer(401);
    if (push && basic) return Answer(200, R"({"token":"tok-push","expires_in":300})");
    return Answer(200, R"({"access_token":"tok-pull"})");
  }

  RegistryResponse Get(const std::string& tag, const RegistryRequest& r) const {
    auto it = tags.find(tag);
    // Like the real one: a manifest whose type the client does not accept is "unknown".
    if (it == tags.end() ||
        HeaderOf(r, "Accept").find(it->second.media_type) == std::string::npos) {
      return Answer(404,
                    R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})");
    }
    return Answer(200, it->second.bytes,
                  {{"Content-Type", it->second.media_type},
                   {"Docker-Content-Digest", Sha256Digest(it->second.bytes)}});
  }

  RegistryResponse Put(const std::string& tag, const RegistryRequest& r) {
    tags[tag] = Stored{r.body, HeaderOf(r, "Content-Type")};
    return Answer(201, "", {{"docker-content-digest", Sha256Digest(r.body)}});
  }
};

class RetagTest : public ::testing::Test {
 protected:
  RetagTest() {
    config_.url = "https://registry.example";
    config_.repository = "app";
    registry_.tags["staging-abc1234"] = {kBytes, kOciManifest};
  }

  Result<RetagResult> RetagToLatest() {
    return Retag(registry_, config_, "staging-abc1234", "latest");
  }

  RegistryConfig config_;
  FakeRegistry registry_;
};

TEST_F(RetagTest, PutsTheExactBytesUnderTheNewTag) {
  Result<RetagResult> r = RetagToLatest();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->digest, Sha256Digest(kBytes));
  EXPECT_EQ(r->media_type, kOciManifest);
  ASSERT_EQ(registry_.requests.size(), 2u);
  const RegistryRequest& get = registry_.requests[0];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.url, std::string(kBase) + "staging-abc1234");
  for (std::string_view type : kManifestMediaTypes) {
    EXPECT_NE(HeaderOf(get, "Accept").find(type), std::string::npos) << type;
  }
  const RegistryRequest& put = registry_.requests[1];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, std::string(kBase) + "latest");
  EXPECT_EQ(put.body, kBytes);
  EXPECT_EQ(HeaderOf(put, "Content-Type"), kOciManifest);
  EXPECT_EQ(HeaderOf(put, "Authorization"), "");
  EXPECT_EQ(put.timeout, config_.timeout);
  EXPECT_EQ(registry_.tags["latest"].bytes, kBytes);
  Result<std::string> latest = ManifestDigest(registry_, config_, "latest");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, r->digest);
}

TEST_F(RetagTest, KeepsADockerManifestsTypeWithoutItsParameters) {
  registry_.intercept = [](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    if (r.method != "GET") return std::nullopt;
    return Answer(200, kBytes,
                  {{"content-type", std::string(kDockerManifest) + "; charset=utf-8"}});
  };
  Result<RetagResult> r = RetagToLatest();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->media_type, kDockerManifest);
  EXPECT_EQ(registry_.tags["latest"].media_type, kDockerManifest);
}

TEST_F(RetagTest, ADigestMismatchOnThePutIsAnError) {
  const std::string zeros = "sha256:" + std::string(64, '0');
  registry_.intercept = [&](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    if (r.method != "PUT") return std::nullopt;
    return Answer(201, "", {{"Docker-Content-Digest", zeros}});
  };
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_EQ(r.status().message(), "registry registry.example/app stored tag \"latest\" as " +
                                      zeros + ", not as " + Sha256Digest(kBytes));
}

TEST_F(RetagTest, ADigestThatIsNotTheBytesHashIsRefusedBeforeThePut) {
  registry_.intercept = [](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    if (r.method != "GET") return std::nullopt;
    return Answer(200, kBytes,
                  {{"Content-Type", kOciManifest}, {"Docker-Content-Digest", Sha256Digest("x")}});
  };
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_NE(r.status().message().find("but its bytes hash to"), std::string::npos);
  EXPECT_EQ(registry_.Count("PUT", ""), 0);
}

TEST_F(RetagTest, APutAnswerWithoutADigestIsCheckedByReadingTheTagBack) {
  registry_.intercept = [&](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    if (r.method != "PUT") return std::nullopt;
    registry_.tags["latest"] = {"{}", kOciManifest};  // someone else's manifest
    return Answer(201);
  };
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_NE(r.status().message().find("stored tag \"latest\" as " + Sha256Digest("{}")),
            std::string::npos);
  EXPECT_EQ(registry_.Count("GET", std::string(kBase) + "latest"), 1);
}

TEST_F(RetagTest, AMissingSourceTagIsNotFoundAndNothingIsPut) {
  Result<RetagResult> r = Retag(registry_, config_, "staging-0000000", "latest");
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(r.status().message(),
            "source tag \"staging-0000000\" not found in registry.example/app");
  EXPECT_EQ(registry_.Count("PUT", ""), 0);
  EXPECT_EQ(registry_.tags.count("latest"), 0u);
  EXPECT_EQ(ManifestDigest(registry_, config_, "latest").status().message(),
            "tag \"latest\" not found in registry.example/app");
}

TEST_F(RetagTest, AnUnsupportedMediaTypeIsNotRetagged) {
  registry_.tags["staging-abc1234"].media_type =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  registry_.intercept = [](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    if (r.method != "GET") return std::nullopt;
    return Answer(200, kBytes,
                  {{"Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws"}});
  };
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().message(),
            "manifest \"staging-abc1234\" in registry.example/app has unsupported media type "
            "\"application/vnd.docker.distribution.manifest.v1+prettyjws\"");
  EXPECT_EQ(registry_.Count("PUT", ""), 0);
}

TEST_F(RetagTest, PlainHttpWithoutInsecureSendsNothing) {
  config_.url = "http://registry.example";
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_NE(r.status().message().find("is plain HTTP"), std::string::npos);
  EXPECT_TRUE(registry_.requests.empty());
}

TEST_F(RetagTest, InvalidTagsSendNothing) {
  EXPECT_EQ(Retag(registry_, config_, "../x", "latest").status().message(),
            "source tag \"../x\" is not a valid tag");
  EXPECT_EQ(Retag(registry_, config_, "staging-abc1234", "").status().message(),
            "target tag \"\" is not a valid tag");
  EXPECT_TRUE(registry_.requests.empty());
}

TEST_F(RetagTest, TransportFailuresAndServerErrorsAreUnavailable) {
  registry_.intercept = [](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    return Status::Unavailable("GET " + r.url + ": Couldn't connect to server");
  };
  EXPECT_EQ(RetagToLatest().status().code(), Status::Code::kUnavailable);
  registry_.intercept = [](const RegistryRequest&) -> std::optional<Result<RegistryResponse>> {
    return Answer(503, R"({"errors":[{"code":"UNAVAILABLE","message":"try later"}]})");
  };
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "registry registry.example/app answered HTTP 503 to GET manifest \"staging-abc1234\": "
            "UNAVAILABLE: try later");
}

TEST_F(RetagTest, ARefusedPutIsAnError) {
  registry_.intercept = [](const RegistryRequest& r) -> std::optional<Result<RegistryResponse>> {
    if (r.method != "PUT") return std::nullopt;
    return Answer(403, R"({"errors":[{"code":"DENIED","message":"requested access is denied"}]})");
  };
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_EQ(r.status().message(),
            "registry registry.example/app answered HTTP 403 to PUT manifest \"latest\": DENIED: "
            "requested access is denied");
}

TEST_F(RetagTest, BasicAuthIsSentAfterTheChallengeAndThenUpFront) {
  registry_.auth = FakeRegistry::Auth::kBasic;
  config_.username = "ci";
  config_.password = "s3cret";
  Result<RetagResult> r = RetagToLatest();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(registry_.requests.size(), 3u);  // GET 401, GET 200, PUT 201
  EXPECT_EQ(HeaderOf(registry_.requests[0], "Authorization"), "");
  EXPECT_EQ(HeaderOf(registry_.requests[1], "Authorization"), "Basic Y2k6czNjcmV0");
  EXPECT_EQ(HeaderOf(registry_.requests[2], "Authorization"), "Basic Y2k6czNjcmV0");
  EXPECT_EQ(registry_.requests[2].method, "PUT");
}

TEST_F(RetagTest, WrongBasicCredentialsAreAnErrorThatDoesNotLeakThem) {
  registry_.auth = FakeRegistry::Auth::kBasic;
  config_.username = "ci";
  config_.password = "wrong-password";
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_EQ(r.status().message(),
            "registry registry.example/app refused the credentials (HTTP 401)");
  EXPECT_EQ(registry_.requests.size(), 2u);
  EXPECT_EQ(registry_.Count("PUT", ""), 0);
}

TEST_F(RetagTest, AChallengeWithoutCredentialsSaysSo) {
  registry_.auth = FakeRegistry::Auth::kBasic;
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().message(),
            "registry registry.example/app requires credentials (HTTP 401); none are configured");
}

TEST_F(RetagTest, BearerFlowFetchesOnePushTokenForBothRequests) {
  registry_.auth = FakeRegistry::Auth::kBearer;
  config_.username = "ci";
  config_.password = "s3cret";
  Result<RetagResult> r = RetagToLatest();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& q = registry_.requests;
  ASSERT_EQ(q.size(), 4u);  // GET 401, token, GET 200, PUT 201
  EXPECT_EQ(q[0].method, "GET");
  EXPECT_EQ(HeaderOf(q[0], "Authorization"), "");
  // Realm, service and the challenge's scope (commas and all) from the
  // header, plus the push scope the PUT will need.
  EXPECT_EQ(q[1].url, std::string(kRealm) +
                          "?service=registry.example&scope=repository%3Aapp%3Apull"
                          "&scope=repository%3Aapp%3Apull%2Cpush");
  EXPECT_EQ(HeaderOf(q[1], "Authorization"), "Basic Y2k6czNjcmV0");
  EXPECT_EQ(HeaderOf(q[2], "Authorization"), "Bearer tok-push");
  EXPECT_EQ(q[3].method, "PUT");
  EXPECT_EQ(HeaderOf(q[3], "Authorization"), "Bearer tok-push");
  EXPECT_EQ(registry_.tags["latest"].bytes, kBytes);
}

TEST_F(RetagTest, AnonymousBearerPullsWithoutSendingCredentials) {
  registry_.auth = FakeRegistry::Auth::kBearer;
  Result<std::string> d = ManifestDigest(registry_, config_, "staging-abc1234");
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(registry_.requests.size(), 3u);
  EXPECT_EQ(registry_.requests[1].url,
            std::string(kRealm) + "?service=registry.example&scope=repository%3Aapp%3Apull");
  EXPECT_EQ(HeaderOf(registry_.requests[1], "Authorization"), "");
  EXPECT_EQ(HeaderOf(registry_.requests[2], "Authorization"), "Bearer tok-pull");
}

TEST_F(RetagTest, APutRefusedAfterANewTokenIsAnErrorNamingTheRegistry) {
  registry_.auth = FakeRegistry::Auth::kBearer;
  registry_.token_grants_push = false;  // the account may pull, not push
  config_.username = "ci";
  config_.password = "s3cret";
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_EQ(r.status().message(),
            "registry registry.example/app refused the token for scope "
            "\"repository:app:pull,push\" (HTTP 401)");
  EXPECT_EQ(r.status().message().find("s3cret"), std::string::npos);
  // The PUT's challenge was answered once with a fresh token, then given up.
  EXPECT_EQ(registry_.Count("PUT", ""), 2);
  EXPECT_EQ(registry_.Count("GET", kRealm), 2);
  EXPECT_EQ(registry_.tags.count("latest"), 0u);
}

TEST_F(RetagTest, ATokenServiceRefusalNamesTheRegistryNotThePassword) {
  registry_.auth = FakeRegistry::Auth::kBearer;
  config_.username = "ci";
  config_.password = "not-the-password";
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_EQ(r.status().message(),
            std::string("token service ") + kRealm +
                " refused the credentials for registry registry.example/app (HTTP 401)");
}

TEST_F(RetagTest, ABearerRealmOverPlainHttpIsRefused) {
  registry_.intercept = [](const RegistryRequest&) -> std::optional<Result<RegistryResponse>> {
    return Answer(401, "", {{"WWW-Authenticate", R"(Bearer realm="http://auth.example/token")"}});
  };
  config_.username = "ci";
  config_.password = "s3cret";
  Result<RetagResult> r = RetagToLatest();
  EXPECT_EQ(r.status().message(),
            "registry registry.example/app sent a Bearer challenge whose realm "
            "\"http://auth.example/token\" is not an https:// URL");
  EXPECT_EQ(registry_.requests.size(), 1u);
}

TEST_F(RetagTest, A401WithoutAChallengeIsAnError) {
  registry_.intercept = [](const RegistryRequest&) -> std::optional<Result<RegistryResponse>> {
    return Answer(401);
  };
  EXPECT_EQ(RetagToLatest().status().message(),
            "registry registry.example/app answered HTTP 401 without a usable WWW-Authenticate "
            "challenge");
}

}  // namespace
}  // namespace rollcall

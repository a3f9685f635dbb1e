// HTTPS GET requests through libcurl, for the secret stores a policy names.
// libcurl is loaded (dlopen) by the first request: almost no command makes
// one, and the library with its own dependencies would otherwise cost every
// command the dynamic linker's time to load them.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace runac {

struct HttpsOptions {
    std::string ca_file;  // "" for the system's CAs
    std::chrono::steady_clock::time_point deadline;
    size_t max_body = 1 << 20;
};

struct HttpsResponse {
    long status = 0;
    std::string body;
    HttpsResponse() = default;
    HttpsResponse(const HttpsResponse&) = delete;
    HttpsResponse& operator=(const HttpsResponse&) = delete;
    // The body may hold a credential: overwritten before it is freed.
    ~HttpsResponse();
};

// One GET of an https:// URL (no other scheme, no redirect followed), the
// peer's certificate verified and its name checked. Throws Error with
// libcurl's account of a failure ("Failed to connect to ...", "SSL
// certificate problem: certificate has expired", "Operation timed out
// ..."): a failure's text never holds a header or the body.
void https_get(const std::string& url, const std::vector<std::string>& headers, const HttpsOptions& options,
               HttpsResponse& response);

// A URL path segment or query value: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
std::string url_escape(const std::string& text);

}  // namespace runac

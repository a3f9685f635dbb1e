#include "common/https.hpp"

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/crypto.h>

#include <memory>

#include "common/dynlib.hpp"
#include "common/error.hpp"

namespace runac {

namespace {

// The few entry points runac uses, resolved once.
struct Curl {
    decltype(&curl_easy_init) init;
    decltype(&curl_easy_setopt) setopt;
    decltype(&curl_easy_perform) perform;
    decltype(&curl_easy_getinfo) getinfo;
    decltype(&curl_easy_cleanup) cleanup;
    decltype(&curl_slist_append) slist_append;
    decltype(&curl_slist_free_all) slist_free_all;
    decltype(&curl_easy_strerror) strerror;
};

const Curl& curl() {
    static const Curl api = [] {
        SharedLibrary lib("libcurl.so.4", "secret stores");
        Curl c;
        lib.bind(c.init, "curl_easy_init");
        lib.bind(c.setopt, "curl_easy_setopt");
        lib.bind(c.perform, "curl_easy_perform");
        lib.bind(c.getinfo, "curl_easy_getinfo");
        lib.bind(c.cleanup, "curl_easy_cleanup");
        lib.bind(c.slist_append, "curl_slist_append");
        lib.bind(c.slist_free_all, "curl_slist_free_all");
        lib.bind(c.strerror, "curl_easy_strerror");
        return c;
    }();
    return api;
}

struct Body {
    std::string* out;
    size_t max;
    bool too_large = false;
};

size_t append_body(char* data, size_t size, size_t n, void* user) {
    auto* body = static_cast<Body*>(user);
    size_t bytes = size * n;
    if (body->out->size() + bytes > body->max) {
        body->too_large = true;
        return 0;  // libcurl stops with CURLE_WRITE_ERROR
    }
    body->out->append(data, bytes);
    return bytes;
}

// Header lines carry tokens: overwritten before libcurl frees them.
struct Headers {
    curl_slist* list = nullptr;
    ~Headers() {
        for (auto* h = list; h; h = h->next) OPENSSL_cleanse(h->data, std::char_traits<char>::length(h->data));
        if (list) curl().slist_free_all(list);
    }
};

}  // namespace

HttpsResponse::~HttpsResponse() {
    if (!body.empty()) OPENSSL_cleanse(body.data(), body.size());
}

void https_get(const std::string& url, const std::vector<std::string>& headers, const HttpsOptions& options,
               HttpsResponse& response) {
    const Curl& c = curl();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(options.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw Error("timed out before the request");
    std::unique_ptr<CURL, decltype(c.cleanup)> h(c.init(), c.cleanup);
    if (!h) throw Error("libcurl: cannot make a request");
    Headers list;
    for (auto& line : headers) {
        auto* next = c.slist_append(list.list, line.c_str());
        if (!next) throw Error("libcurl: out of memory");
        list.list = next;
    }
    char detail[CURL_ERROR_SIZE] = {};
    Body body{&response.body, options.max_body};
    c.setopt(h.get(), CURLOPT_URL, url.c_str());
    c.setopt(h.get(), CURLOPT_PROTOCOLS_STR, "https");
    c.setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
    c.setopt(h.get(), CURLOPT_SSL_VERIFYPEER, 1L);
    c.setopt(h.get(), CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) c.setopt(h.get(), CURLOPT_CAINFO, options.ca_file.c_str());
    c.setopt(h.get(), CURLOPT_HTTPHEADER, list.list);
    c.setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    c.setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
    c.setopt(h.get(), CURLOPT_WRITEFUNCTION, append_body);
    c.setopt(h.get(), CURLOPT_WRITEDATA, &body);
    c.setopt(h.get(), CURLOPT_ERRORBUFFER, detail);
    CURLcode rc = c.perform(h.get());
    if (body.too_large) throw Error("the response is larger than " + std::to_string(options.max_body >> 10) + " KiB");
    if (rc != CURLE_OK) throw Error(detail[0] ? detail : c.strerror(rc));
    c.getinfo(h.get(), CURLINFO_RESPONSE_CODE, &response.status);
}

std::string url_escape(const std::string& text) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : text) {
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                     ch == '.' || ch == '_' || ch == '~';
        if (plain) {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

}  // namespace runac

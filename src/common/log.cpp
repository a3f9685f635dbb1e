#include "common/log.hpp"

#include <cstdio>
#include <memory>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/json.hpp"

namespace runac::log {

namespace {

std::shared_ptr<spdlog::logger> logger;
bool logging_to_file = false;

// %Q: the message as a quoted JSON/Go string, so a message holding quotes or
// newlines still makes exactly one parseable line.
class QuotedMessage : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        std::string q = json_quote(std::string(msg.payload.data(), msg.payload.size()));
        dest.append(q.data(), q.data() + q.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<QuotedMessage>(); }
};

std::shared_ptr<spdlog::logger> make_logger(const std::string& path, Format format) {
    spdlog::sink_ptr sink;
    if (path.empty()) {
        sink = std::make_shared<spdlog::sinks::stderr_sink_st>();
    } else {
        try {
            sink = std::make_shared<spdlog::sinks::basic_file_sink_st>(path);
        } catch (const spdlog::spdlog_ex& e) {
            throw Error("--log " + path + ": " + e.what());
        }
    }
    auto l = std::make_shared<spdlog::logger>("runac", sink);
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<QuotedMessage>('Q');
    formatter->set_pattern(format == Format::Json
                               ? R"({"level":"%l","msg":%Q,"time":"%Y-%m-%dT%H:%M:%SZ"})"
                               : R"(time="%Y-%m-%dT%H:%M:%SZ" level=%l msg=%Q)");
    l->set_formatter(std::move(formatter));
    // Every line reaches the file before the next step: runac forks the
    // container init and exits early; an unflushed buffer would be lost or
    // written twice.
    l->flush_on(spdlog::level::trace);
    return l;
}

spdlog::logger& get() {
    if (!logger) logger = make_logger("", Format::Text);
    return *logger;
}

}  // namespace

void setup(const std::string& path, Format format, bool debug) {
    logger = make_logger(path, format);
    logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
    logging_to_file = !path.empty();
}

bool to_file() { return logging_to_file; }

void debug(const std::string& msg) { get().debug(msg); }
void info(const std::string& msg) { get().info(msg); }
void warn(const std::string& msg) { get().warn(msg); }
void error(const std::string& msg) { get().error(msg); }

void fatal(const std::string& msg) {
    error(msg);
    if (logging_to_file) std::fprintf(stderr, "%s\n", msg.c_str());
}

}  // namespace runac::log

// runac delete: remove a stopped (or created) container and all it holds.
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "container/lifecycle.hpp"

namespace runac::cli {

namespace {
int run_delete(const GlobalOptions& global, const Args& args) {
    std::string id = container_id(args, "delete");
    bool force = args.flag("force");
    try {
        auto c = container::Container::load(global.root, id);
        container::remove(c, force);
    } catch (const container::NoSuchContainer&) {
        // As runc: a directory without a state (a create killed on the way)
        // is removed. Engines delete with --force to make sure a container
        // is gone; one that never existed is not an error then.
        container::Container::remove_remains(global.root, id);
        if (!force) throw;
    } catch (const container::UnreadableState& e) {
        if (!force) throw;
        log::warn(std::string(e.what()) + "; removing what its create recorded");
        container::Container::remove_remains(global.root, id);
    }
    return 0;
}
}  // namespace

Command delete_command() {
    return {"delete", "delete any resources held by the container often used with detached container",
            "Usage: runac delete [options] <container-id>\n\n"
            "Options:\n"
            "  --force, -f  kill the container first if it is still running\n",
            {{{"force", "f"}, false}}, run_delete};
}

}  // namespace runac::cli

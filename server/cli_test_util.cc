#include "server/cli_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace synapsed::storage::server::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec `argv` with stdout and stderr to `out_fd`, stdin from `in_fd`.
pid_t Spawn(const std::vector<std::string>& argv, int in_fd, int out_fd) {
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(base ? base : "/tmp") + "/synapsed_server_" + name + "_" +
                    std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // Removed when the test process exits (a cluster test leaves ~200 MB of
  // Raft logs and databases; forked children leave with _exit, which skips
  // this).
  static auto* dirs = new std::vector<std::string>;
  static const bool registered = [] {
    std::atexit([] {
      std::error_code ec;
      for (const auto& d : *dirs) std::filesystem::remove_all(d, ec);
    });
    return true;
  }();
  (void)registered;
  dirs->push_back(dir);
  return dir;
}

std::pair<int, std::string> RunSynapsed(const std::string& args) {
  const std::string cmd = "timeout -s KILL 60 " SYNAPSED_BINARY " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

ServeProcess::ServeProcess(const std::string& dir, const std::vector<std::string>& args) {
  out_file_ = dir + ".serve." + std::to_string(Clock::now().time_since_epoch().count()) + ".out";
  std::vector<std::string> argv = {"timeout", "-s", "KILL", "300", SYNAPSED_BINARY, "serve"};
  // A --config names the store itself (with its directory inside).
  if (std::find(args.begin(), args.end(), "--config") == args.end()) {
    argv.insert(argv.end(), {"--dir", dir});
  }
  if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  const int out = open(out_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_ = Spawn(argv, in, out);
  close(out);
  close(in);
  const std::regex line("listening on 127\\.0\\.0\\.1:([0-9]+) pid ([0-9]+)");
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    std::smatch m;
    const std::string text = ReadFile(out_file_);
    if (std::regex_search(text, m, line)) {
      port_ = std::stoi(m[1]);
      server_pid_ = std::stoi(m[2]);
      return;
    }
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      exited_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Waits (at most 10 s) until process `pid` has exited: gone, or a zombie
// with no thread left, whose files are closed and whose I/O is done.
// Killing `timeout` does not wait for the server it runs, and a server
// started on the same files while the killed one still writes them can
// read them half written (raft_start failed with an I/O error so). The
// main thread of a killed process turns zombie while its other threads may
// still be exiting with the files open (and the database LOCK held: a
// restart then failed with "held by another process"), so the threads
// (/proc/pid/task) must be down to that one zombie.
static void WaitExited(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  for (int i = 0; i < 1000; ++i) {
    std::ifstream stat(proc + "/stat");
    std::string line;
    if (!stat || !std::getline(stat, line)) return;
    const size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') {
      std::error_code ec;
      const auto tasks = std::distance(std::filesystem::directory_iterator(proc + "/task", ec),
                                       std::filesystem::directory_iterator());
      if (ec || tasks <= 1) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ServeProcess::~ServeProcess() {
  if (!exited_ && pid_ > 0) {
    if (server_pid_ > 0) kill(server_pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (server_pid_ > 0) WaitExited(server_pid_);
  std::filesystem::remove(out_file_);
}

std::string ServeProcess::output() const { return ReadFile(out_file_); }

void ServeProcess::Signal(int sig) {
  if (server_pid_ > 0 && !exited_) kill(server_pid_, sig);
}

int ServeProcess::Wait(int seconds) {
  if (exited_) return status_;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      exited_ = true;
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string RedisCli(int port, const std::vector<std::string>& args, const std::string& input) {
  char in_path[] = "/tmp/synapsed_cli_inXXXXXX";
  char out_path[] = "/tmp/synapsed_cli_outXXXXXX";
  const int in = mkstemp(in_path);
  const int out = mkstemp(out_path);
  (void)!write(in, input.data(), input.size());
  lseek(in, 0, SEEK_SET);
  std::vector<std::string> argv = {"timeout", "-s", "KILL", "60", "redis-cli", "-p",
                                   std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = Spawn(argv, in, out);
  waitpid(pid, nullptr, 0);
  close(in);
  close(out);
  std::string text = ReadFile(out_path);
  unlink(in_path);
  unlink(out_path);
  return text;
}

BackgroundRedisCli::BackgroundRedisCli(int port, const std::vector<std::string>& args) {
  char out_path[] = "/tmp/synapsed_cli_subXXXXXX";
  const int out = mkstemp(out_path);
  out_file_ = out_path;
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<std::string> argv = {"timeout", "-s", "KILL", "60", "redis-cli", "-p",
                                   std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = Spawn(argv, in, out);
  close(in);
  close(out);
}

BackgroundRedisCli::~BackgroundRedisCli() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);  // timeout passes it on to redis-cli, then exits
    waitpid(pid_, nullptr, 0);
  }
  unlink(out_file_.c_str());
}

std::string BackgroundRedisCli::output() const { return ReadFile(out_file_); }

bool BackgroundRedisCli::WaitFor(const std::string& text, int seconds) const {
  for (int i = 0; i < seconds * 20; ++i) {
    if (output().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

RawClient::RawClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Close();
}

RawClient::~RawClient() { Close(); }

void RawClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void RawClient::Shutdown() {
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

bool RawClient::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += n;
  }
  return true;
}

std::string RawClient::Read(size_t n, int seconds) {
  std::string out;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  char buf[65536];
  while (out.size() < n && Clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t r = recv(fd_, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, r);
  }
  return out;
}

std::string RawClient::ReadLine(int seconds) {
  std::string out;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (!(out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0) &&
         Clock::now() < deadline) {
    const std::string one = Read(1, 1);
    if (one.empty()) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 0) > 0) break;  // readable but empty: closed
      continue;
    }
    out += one;
  }
  return out;
}

bool RawClient::WaitClosed(int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  char buf[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t r = recv(fd_, buf, sizeof(buf), 0);
    if (r <= 0) return true;
  }
  return false;
}

int MetricsPort(const ServeProcess& server) {
  const std::regex printed("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics");
  for (int i = 0; i < 100; ++i) {
    std::smatch m;
    const std::string out = server.output();
    if (std::regex_search(out, m, printed)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}

std::string HttpGet(int port, const std::string& path) {
  RawClient http(port);
  if (!http.connected() || !http.Send("GET " + path + " HTTP/1.0\r\n\r\n")) return "";
  return http.Read(size_t{16} << 20, 20);
}

}  // namespace synapsed::storage::server::testing

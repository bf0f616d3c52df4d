// Helpers for the end-to-end tests of `synapsed serve` (server_cli_test.cc):
// starting the server binary, running redis-cli, and a raw socket client for
// the requests redis-cli will not send. Every process runs under
// `timeout` and is killed by its PID; every socket is on 127.0.0.1 and every
// wait is bounded.
#ifndef SYNAPSED_SERVER_CLI_TEST_UTIL_H_
#define SYNAPSED_SERVER_CLI_TEST_UTIL_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace synapsed::storage::server::testing {

// `synapsed serve --dir DIR --listen 127.0.0.1:0 ARGS...` under timeout
// (without --dir DIR when ARGS has --config; DIR then only names the
// server's output file).
class ServeProcess {
 public:
  ServeProcess(const std::string& dir, const std::vector<std::string>& args);
  ~ServeProcess();  // SIGKILLs the server if it still runs
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t server_pid() const { return server_pid_; }
  // What the server printed so far.
  std::string output() const;
  void Signal(int sig);
  // The exit status (as waitpid's) of the `timeout` wrapper, or -1 if it
  // has not exited within `seconds`.
  int Wait(int seconds);

 private:
  pid_t pid_ = -1;         // the timeout wrapper
  pid_t server_pid_ = -1;  // the server it runs
  int port_ = 0;
  bool exited_ = false;
  int status_ = 0;
  std::string out_file_;
};

// Runs `timeout 60 redis-cli -p PORT ARGS...` with `input` on stdin; returns
// stdout (and stderr after it). Arguments are passed without a shell.
std::string RedisCli(int port, const std::vector<std::string>& args, const std::string& input = "");

// `timeout 60 redis-cli -p PORT ARGS...` left running (a subscriber), its
// output collected in a file; killed by its PID when destroyed.
class BackgroundRedisCli {
 public:
  BackgroundRedisCli(int port, const std::vector<std::string>& args);
  ~BackgroundRedisCli();
  BackgroundRedisCli(const BackgroundRedisCli&) = delete;
  BackgroundRedisCli& operator=(const BackgroundRedisCli&) = delete;

  std::string output() const;
  // Polls the output until it holds `text` (true) or `seconds` passed.
  bool WaitFor(const std::string& text, int seconds = 20) const;

 private:
  pid_t pid_ = -1;
  std::string out_file_;
};

// A plain TCP client to 127.0.0.1.
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads until `n` bytes arrived, the peer closed, or `seconds` passed.
  std::string Read(size_t n, int seconds = 10);
  // Reads until the buffer ends with "\r\n" (one line reply).
  std::string ReadLine(int seconds = 10);
  // True if the server closed the connection within `seconds`.
  bool WaitClosed(int seconds = 10);
  void Close();
  // Ends both directions without releasing the descriptor: safe while
  // another thread is blocked sending on it.
  void Shutdown();

 private:
  int fd_ = -1;
};

// A fresh directory /tmp/synapsed_server_<name>_<pid> ($TEST_TMPDIR for
// /tmp), removed with everything in it when the test process exits.
std::string TempDir(const std::string& name);

// `synapsed ARGS` (ARGS a shell command line made by the test), killed
// after 60 s: its exit code (-1 if it did not exit) and its output, stdout
// and stderr together.
std::pair<int, std::string> RunSynapsed(const std::string& args);

// The port of the /metrics endpoint `server` printed it serves on (started
// with --metrics-listen 127.0.0.1:0), waiting up to 10 s; 0 if none.
int MetricsPort(const ServeProcess& server);

// `GET <path> HTTP/1.0` to 127.0.0.1:port: the whole response, headers and
// body, or "" when nothing came within 20 s.
std::string HttpGet(int port, const std::string& path);

}  // namespace synapsed::storage::server::testing

#endif  // SYNAPSED_SERVER_CLI_TEST_UTIL_H_

#include "env/env.h"

#include "util/status_macros.h"

namespace synapsed::storage::env {

absl::Status WriteStringToFile(FileSystem* fs, std::string_view data,
                               const std::string& path, bool sync) {
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->NewWritableFile(path));
  RETURN_IF_ERROR(file->Append(data));
  if (sync) RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

absl::StatusOr<std::string> ReadFileToString(FileSystem* fs,
                                             const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file,
                   fs->NewSequentialFile(path));
  std::string out;
  std::string scratch(64 * 1024, '\0');
  while (true) {
    ASSIGN_OR_RETURN(std::string_view chunk, file->Read(scratch.size(), scratch.data()));
    if (chunk.empty()) break;
    out.append(chunk);
  }
  return out;
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace synapsed::storage::env

// Files that are either complete or absent: every finished file (results, checkpoints, sweep
// manifests and merges) reaches the disk before its final name says it is complete.
#pragma once
#include <filesystem>
#include <string>

namespace talentsim {

// fsync of one file: after a power loss, a renamed file could otherwise hold blocks never written.
// Throws std::runtime_error with the path.
void sync_file(const std::filesystem::path& path);

// Renames `from` to `to` and fsyncs the directory, so that the rename itself is durable.
// Throws std::runtime_error with the path.
void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

// A finished file moved into place: sync_file(from), then rename_durably(from, to).
void move_into_place(const std::filesystem::path& from, const std::filesystem::path& to);

// Writes `text` to a temporary file beside `path`, syncs it and moves it into place. Readers see
// the old file or the new one, never a part. Throws std::runtime_error with the path.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace talentsim

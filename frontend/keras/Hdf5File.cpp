// Hdf5File.cpp: forwards each question to the reader in this process or in the child; once the
// child has failed, answers are empty and failure() says why.
#include "frontend/keras/Hdf5File.h"

#include <atomic>

#include "frontend/keras/Hdf5ReaderProcess.h"

namespace kiln::keras_import {
namespace {

std::atomic<bool> read_in_child_process{true};

}  // namespace

void Hdf5File::set_isolated(bool isolated) {
  read_in_child_process = isolated;
}

Hdf5File::Hdf5File(std::string display_name, std::shared_ptr<Hdf5Reader> local,
                   std::unique_ptr<Hdf5ReaderProcess> process)
    : display_name_(std::move(display_name)),
      local_(std::move(local)),
      process_(std::move(process)) {}

Hdf5File::~Hdf5File() = default;

Result<std::shared_ptr<Hdf5File>> Hdf5File::open(const std::string& path) {
  if (!read_in_child_process) {
    Result<std::shared_ptr<Hdf5Reader>> reader = Hdf5Reader::open(path);
    if (!reader) return reader.error();
    return std::shared_ptr<Hdf5File>(new Hdf5File(path, *reader, nullptr));
  }
  Result<std::unique_ptr<Hdf5ReaderProcess>> process =
      Hdf5ReaderProcess::start([&] { return Hdf5Reader::open(path); }, path);
  if (!process) return process.error();
  return std::shared_ptr<Hdf5File>(new Hdf5File(path, nullptr, std::move(*process)));
}

Result<std::shared_ptr<Hdf5File>> Hdf5File::open_image(std::vector<uint8_t> image,
                                                       const std::string& display_name) {
  if (!read_in_child_process) {
    Result<std::shared_ptr<Hdf5Reader>> reader =
        Hdf5Reader::open_image(std::move(image), display_name);
    if (!reader) return reader.error();
    return std::shared_ptr<Hdf5File>(new Hdf5File(display_name, *reader, nullptr));
  }
  // The child inherits the image with the rest of this process's memory.
  Result<std::unique_ptr<Hdf5ReaderProcess>> process = Hdf5ReaderProcess::start(
      [&] { return Hdf5Reader::open_image(std::move(image), display_name); }, display_name);
  if (!process) return process.error();
  return std::shared_ptr<Hdf5File>(new Hdf5File(display_name, nullptr, std::move(*process)));
}

namespace {

/// The child's answer, or `empty` after recording why there is none.
template <class T>
T answered(Result<T> answer, std::optional<Error>& failure, T empty) {
  if (answer) return std::move(*answer);
  if (!failure) failure = answer.error();
  return empty;
}

/// The reader's result, or the child's failure.
template <class T>
Result<T> answered(Result<Result<T>> answer, std::optional<Error>& failure) {
  if (answer) return std::move(*answer);
  if (!failure) failure = answer.error();
  return *failure;
}

}  // namespace

bool Hdf5File::exists(const std::string& path) const {
  if (local_) return local_->exists(path);
  if (failure_) return false;
  return answered(process_->exists(path), failure_, false);
}

bool Hdf5File::is_group(const std::string& path) const {
  if (local_) return local_->is_group(path);
  if (failure_) return false;
  return answered(process_->is_group(path), failure_, false);
}

std::vector<std::string> Hdf5File::children(const std::string& path) const {
  if (local_) return local_->children(path);
  if (failure_) return {};
  return answered(process_->children(path), failure_, std::vector<std::string>{});
}

bool Hdf5File::has_attribute(const std::string& path, const std::string& name) const {
  if (local_) return local_->has_attribute(path, name);
  if (failure_) return false;
  return answered(process_->has_attribute(path, name), failure_, false);
}

Result<std::string> Hdf5File::string_attribute(const std::string& path,
                                               const std::string& name) const {
  if (local_) return local_->string_attribute(path, name);
  if (failure_) return *failure_;
  return answered(process_->string_attribute(path, name), failure_);
}

Result<std::vector<std::string>> Hdf5File::string_list_attribute(const std::string& path,
                                                                 const std::string& name) const {
  if (local_) return local_->string_list_attribute(path, name);
  if (failure_) return *failure_;
  return answered(process_->string_list_attribute(path, name), failure_);
}

Result<WeightArray> Hdf5File::read_floats(const std::string& path) const {
  if (local_) return local_->read_floats(path);
  if (failure_) return *failure_;
  return answered(process_->read_floats(path), failure_);
}

}  // namespace kiln::keras_import

// Hdf5ReaderProcessTest.cpp: HDF5 files read through the child process answer as the in-process
// reader does, and a child that crashes, hangs or dies mid-session becomes one error naming the
// file, never a crash or hang of the importing process.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "frontend/keras/Hdf5File.h"
#include "frontend/keras/Hdf5ReaderProcess.h"

namespace kiln::keras_import {
namespace {

// Writes a small HDF5 file: group /g with a string attribute and a 2x3 float dataset /g/w.
std::string write_small_file() {
  const std::string path =
      ::testing::TempDir() + "/hdf5_reader_process_" + std::to_string(::getpid()) + ".h5";
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t group = H5Gcreate2(file, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t text_type = H5Tcopy(H5T_C_S1);
  H5Tset_size(text_type, 5);
  hid_t scalar = H5Screate(H5S_SCALAR);
  hid_t attribute = H5Acreate2(group, "name", text_type, scalar, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attribute, text_type, "dense");
  const hsize_t dims[2] = {2, 3};
  hid_t space = H5Screate_simple(2, dims, nullptr);
  hid_t dataset =
      H5Dcreate2(group, "w", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const float values[6] = {1, 2, 3, 4, 5, 6};
  H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  H5Dclose(dataset);
  H5Sclose(space);
  H5Aclose(attribute);
  H5Sclose(scalar);
  H5Tclose(text_type);
  H5Gclose(group);
  H5Fclose(file);
  return path;
}

TEST(Hdf5ReaderProcess, AnswersAsTheInProcessReaderDoes) {
  const std::string path = write_small_file();
  Result<std::shared_ptr<Hdf5File>> isolated = Hdf5File::open(path);
  ASSERT_TRUE(isolated) << isolated.error().to_string();
  Hdf5File::set_isolated(false);
  Result<std::shared_ptr<Hdf5File>> local = Hdf5File::open(path);
  Hdf5File::set_isolated(true);
  ASSERT_TRUE(local) << local.error().to_string();
  for (const std::shared_ptr<Hdf5File>& file : {*isolated, *local}) {
    EXPECT_TRUE(file->exists("g/w"));
    EXPECT_FALSE(file->exists("g/missing"));
    EXPECT_TRUE(file->is_group("g"));
    EXPECT_FALSE(file->is_group("g/w"));
    EXPECT_EQ(file->children("g"), std::vector<std::string>{"w"});
    EXPECT_TRUE(file->has_attribute("g", "name"));
    Result<std::string> name = file->string_attribute("g", "name");
    ASSERT_TRUE(name) << name.error().to_string();
    EXPECT_EQ(*name, "dense");
    Result<std::string> missing = file->string_attribute("g", "nothing");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().file, path);
    Result<WeightArray> w = file->read_floats("g/w");
    ASSERT_TRUE(w) << w.error().to_string();
    EXPECT_EQ(w->dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(w->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    Result<WeightArray> group = file->read_floats("g");
    ASSERT_FALSE(group);
    EXPECT_NE(group.error().message.find("not a dataset"), std::string::npos);
    EXPECT_FALSE(file->failure());
  }
  ::unlink(path.c_str());
}

TEST(Hdf5ReaderProcess, ReadersOpenErrorIsReturned) {
  const std::string path = ::testing::TempDir() + "/not_hdf5.h5";
  FILE* out = std::fopen(path.c_str(), "w");
  std::fputs("not an HDF5 file", out);
  std::fclose(out);
  Result<std::shared_ptr<Hdf5File>> file = Hdf5File::open(path);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().file, path);
  EXPECT_NE(file.error().message.find("not a readable HDF5 file"), std::string::npos);
}

TEST(Hdf5ReaderProcess, ACrashWhileOpeningIsAnError) {
  Result<std::unique_ptr<Hdf5ReaderProcess>> process = Hdf5ReaderProcess::start(
      []() -> Result<std::shared_ptr<Hdf5Reader>> {
        ::raise(SIGSEGV);  // what libhdf5 does on some corrupt files
        return Error{"", "", "unreachable"};
      },
      "hostile.h5");
  ASSERT_FALSE(process);
  EXPECT_EQ(process.error().file, "hostile.h5");
  EXPECT_NE(process.error().message.find("libhdf5 crashed opening this file (signal 11"),
            std::string::npos)
      << process.error().message;
}

// A crash reporter or a sanitizer in the importing process installs its own SIGSEGV handler,
// which would turn the child's crash into an ordinary exit; the child restores the default.
TEST(Hdf5ReaderProcess, ACrashIsNamedEvenWhenTheImporterHandlesSignals) {
  struct sigaction reporter {}, previous {};
  reporter.sa_handler = [](int) { ::_exit(3); };
  ASSERT_EQ(::sigaction(SIGSEGV, &reporter, &previous), 0);
  Result<std::unique_ptr<Hdf5ReaderProcess>> process = Hdf5ReaderProcess::start(
      []() -> Result<std::shared_ptr<Hdf5Reader>> {
        ::raise(SIGSEGV);
        return Error{"", "", "unreachable"};
      },
      "hostile.h5");
  ::sigaction(SIGSEGV, &previous, nullptr);
  ASSERT_FALSE(process);
  EXPECT_NE(process.error().message.find("(signal 11"), std::string::npos)
      << process.error().message;
}

TEST(Hdf5ReaderProcess, AHangIsKilledAtTheTimeLimit) {
  const auto started = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Hdf5ReaderProcess>> process = Hdf5ReaderProcess::start(
      []() -> Result<std::shared_ptr<Hdf5Reader>> {
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
      },
      "hang.h5", /*answer_seconds=*/1);
  ASSERT_FALSE(process);
  EXPECT_NE(process.error().message.find("did not finish opening this file within 1 s"),
            std::string::npos)
      << process.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(Hdf5ReaderProcess, AChildThatDiesMidSessionFailsEveryLaterCall) {
  const std::string path = write_small_file();
  Result<std::unique_ptr<Hdf5ReaderProcess>> process =
      Hdf5ReaderProcess::start([&] { return Hdf5Reader::open(path); }, path);
  ASSERT_TRUE(process) << process.error().to_string();
  Result<bool> before = (*process)->exists("g/w");
  ASSERT_TRUE(before);
  EXPECT_TRUE(*before);
  ::kill((*process)->pid(), SIGSEGV);
  Result<Result<WeightArray>> read = (*process)->read_floats("g/w");
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("libhdf5 crashed reading this file (signal 11"),
            std::string::npos)
      << read.error().message;
  EXPECT_FALSE((*process)->exists("g/w"));
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace kiln::keras_import

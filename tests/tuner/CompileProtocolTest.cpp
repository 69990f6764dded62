// CompileProtocolTest.cpp: the compile workers' messages (tuner/CompileProtocol.h) read back what
// was written: a request with its input buffers, a reply with its spec or its error, and the
// schedule options; malformed lines and per-node overrides are errors, not crashes.
#include <gtest/gtest.h>

#include "tuner/CompileProtocol.h"

namespace kiln::tuner {
namespace {

MeasureBuffer buffer(const std::string& file) {
  MeasureBuffer b;
  b.file = file;
  b.sizes = {28, 28, 1, 1};
  b.strides = {1, 28, 784, 784};
  return b;
}

TEST(CompileProtocol, RequestRoundTrips) {
  CompileRequest request;
  request.task = "ba46146e6b8b245d";
  request.kernel = 3;
  request.schedule = "root(vw=8,par=1,shift=1)";
  request.is_default = true;
  request.dir = "/tmp/t/c0";
  request.inputs = {buffer("/tmp/t/in0.bin"), buffer("/tmp/t/in1.bin")};
  auto back = parse_compile_request(request.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->task, request.task);
  EXPECT_EQ(back->kernel, 3);
  EXPECT_EQ(back->schedule, request.schedule);
  EXPECT_TRUE(back->is_default);
  EXPECT_EQ(back->dir, request.dir);
  ASSERT_EQ(back->inputs.size(), 2u);
  EXPECT_EQ(back->inputs[1].file, "/tmp/t/in1.bin");
  EXPECT_EQ(back->inputs[1].strides, request.inputs[1].strides);
  EXPECT_EQ(request.to_json().find('\n'), std::string::npos);  // one line
}

TEST(CompileProtocol, ReplyRoundTrips) {
  CompileReply ok;
  ok.ok = true;
  ok.spec.library = "/tmp/t/c0/candidate.so";
  ok.spec.function = "kiln_tune_0123";
  ok.spec.output_file = "/tmp/t/c0/outputs.bin";
  MeasureArgument out;
  out.is_output = true;
  out.buffer = buffer("");
  ok.spec.arguments = {out};
  auto back = parse_compile_reply(ok.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->ok);
  EXPECT_EQ(back->spec.to_json(), ok.spec.to_json());

  CompileReply failed;
  failed.error = "Halide compilation failed: line one\nline two";
  auto error = parse_compile_reply(failed.to_json());
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->ok);
  EXPECT_EQ(error->error, failed.error);
  EXPECT_EQ(failed.to_json().find('\n'), std::string::npos);
}

TEST(CompileProtocol, MalformedLinesAreErrors) {
  EXPECT_FALSE(parse_compile_request("not json"));
  EXPECT_FALSE(parse_compile_request("{\"task\": 1}"));
  EXPECT_FALSE(parse_compile_reply("[]"));
  EXPECT_FALSE(parse_compile_reply("{\"ok\": true, \"spec\": \"{}\"}"));
}

TEST(CompileProtocol, ScheduleOptionsRoundTrip) {
  ScheduleOptions options;
  options.parallel = false;
  options.max_vector_width = 4;
  options.autoscheduler = "mullapudi2016";
  options.estimate_batch = 8;
  auto text = schedule_options_json(options);
  ASSERT_TRUE(text);
  auto back = parse_schedule_options(*text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->parallel);
  EXPECT_EQ(back->max_vector_width, 4);
  EXPECT_TRUE(back->inline_elementwise);
  EXPECT_EQ(back->autoscheduler, "mullapudi2016");
  EXPECT_EQ(back->estimate_batch, 8);
  options.overrides["node"] = NodeSchedule{};
  EXPECT_FALSE(schedule_options_json(options));
}

}  // namespace
}  // namespace kiln::tuner

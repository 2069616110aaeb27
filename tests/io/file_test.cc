#include "io/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace depict::io {
namespace {

namespace fs = std::filesystem;

class IoFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("depict_io_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "loras" / "sub");
    Write(root_ / "loras" / "style.safetensors", "12345678");
    Write(root_ / "loras" / "sub" / "deep.safetensors", "x");
    Write(root_ / "secret.txt", "root:x:0:0");
  }
  void TearDown() override { fs::remove_all(root_); }
  static void Write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
  fs::path root_;
};

TEST_F(IoFileTest, ReadsARegularFileWithinTheLimit) {
  EXPECT_EQ(ReadRegularFile((root_ / "secret.txt").string(), 100, "table"), "root:x:0:0");
}

TEST_F(IoFileTest, RejectsAFileOverTheLimitNamingItAndTheLimit) {
  try {
    ReadRegularFile((root_ / "secret.txt").string(), 4, "target");
    FAIL() << "no error";
  } catch (const FileError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("secret.txt"), std::string::npos) << m;
    EXPECT_NE(m.find("10 bytes"), std::string::npos) << m;
    EXPECT_NE(m.find("limit of 4"), std::string::npos) << m;
    EXPECT_EQ(m.find("root:x"), std::string::npos) << m;
  }
}

TEST_F(IoFileTest, RejectsDirectoriesDevicesAndFifosWithoutBlocking) {
  EXPECT_THROW(ReadRegularFile(root_.string(), 100, "image"), FileError);
  EXPECT_THROW(ReadRegularFile("/dev/zero", 100, "image"), FileError);
  const fs::path fifo = root_ / "pipe.png";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  try {
    ReadRegularFile(fifo.string(), 100, "image");
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("FIFO"), std::string::npos) << e.what();
  }
}

TEST_F(IoFileTest, MissingFileIsAnError) {
  EXPECT_THROW(ReadRegularFile((root_ / "nope").string(), 100, "image"), FileError);
  EXPECT_THROW(ReadRegularFile("", 100, "image"), FileError);
}

TEST_F(IoFileTest, ResolvesNamesInsideTheFolderWithOrWithoutExtension) {
  const fs::path dir = root_ / "loras";
  EXPECT_EQ(ResolveInside(dir, "style", {".safetensors"}, "LoRA"),
            fs::canonical(dir / "style.safetensors"));
  EXPECT_EQ(ResolveInside(dir, "style.safetensors", {".safetensors"}, "LoRA"),
            fs::canonical(dir / "style.safetensors"));
  EXPECT_EQ(ResolveInside(dir, "sub/deep", {".safetensors"}, "LoRA"),
            fs::canonical(dir / "sub" / "deep.safetensors"));
  EXPECT_THROW(ResolveInside(dir, "missing", {".safetensors"}, "LoRA"), FileError);
}

TEST_F(IoFileTest, RefusesDotDotAbsoluteAndSymlinksLeadingOut) {
  const fs::path dir = root_ / "loras";
  EXPECT_THROW(ResolveInside(dir, "../secret.txt", {".safetensors"}, "LoRA"), FileError);
  EXPECT_THROW(ResolveInside(dir, "sub/../../secret.txt", {}, "LoRA"), FileError);
  EXPECT_THROW(ResolveInside(dir, (root_ / "secret.txt").string(), {}, "LoRA"), FileError);
  EXPECT_THROW(ResolveInside(dir, "/etc/passwd", {}, "LoRA"), FileError);
  EXPECT_THROW(ResolveInside(dir, "", {}, "LoRA"), FileError);
  fs::create_symlink(root_ / "secret.txt", dir / "escape.safetensors");
  try {
    ResolveInside(dir, "escape", {".safetensors"}, "LoRA");
    FAIL() << "symlink out of the folder was followed";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("outside"), std::string::npos) << e.what();
  }
  // A symlink to a file inside the folder is fine.
  fs::create_symlink(dir / "style.safetensors", dir / "alias.safetensors");
  EXPECT_EQ(ResolveInside(dir, "alias", {".safetensors"}, "LoRA"),
            fs::canonical(dir / "style.safetensors"));
}

}  // namespace
}  // namespace depict::io

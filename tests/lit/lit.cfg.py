# lit.cfg.py: golden tests. Each *.kir / *.test file holds RUN lines and FileCheck CHECK lines.
import os
import lit.formats

config.name = "kiln-golden"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".kir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(config.kiln_bin_dir), "tests", "lit-out")
config.environment["PATH"] = os.pathsep.join(
    [config.kiln_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", "/usr/bin:/bin")])
# Compiled kernels and tuned records: the build folder's, never the user's (tests/CMakeLists.txt).
config.environment["KILN_CACHE_DIR"] = os.environ.get(
    "KILN_CACHE_DIR", os.path.join(os.path.dirname(config.kiln_bin_dir), "tests", "kiln-cache"))
config.substitutions.append(("%kiln", os.path.join(config.kiln_bin_dir, "kiln")))
config.substitutions.append(("%models", config.kiln_test_models))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]

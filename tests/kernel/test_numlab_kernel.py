"""Jupyter's kernel conformance suite (jupyter_kernel_test) against the `numlab` kernel.

Run by tests/kernel/conformance.test.ts with JUPYTER_PATH=<repo>/kernel-setup, or by hand:
    JUPYTER_PATH=$PWD/kernel-setup /usr/bin/python3 -m unittest -v tests/kernel/test_numlab_kernel.py
"""
import unittest

import jupyter_kernel_test


class NumlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "numlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("to stderr");'

    completion_samples = [
        {"text": "Math.ab", "matches": ["abs"]},
        {"text": 'const greeting = "hi";\ngreeting.toUpperC', "matches": ["toUpperCase"]},
    ]

    complete_code_samples = ["1 + 1", "const x = 3;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "const xs = [1, 2,", "if (true) {"]

    code_inspect_sample = "Math.max"

    code_generate_error = 'throw new Error("boom");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"numlab"', "result": "'numlab'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "({ a: 1, b: 'two' })", "result": "{ a: 1, b: 'two' }"},
        {
            "code": '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>rich</b>", "text/plain": "rich" }; } })',
            "mime": "text/html",
            "result": "<b>rich</b>",
        },
        {"code": '[{ name: "a", n: 1 }, { name: "b", n: 2 }]', "mime": "text/html"},
    ]

    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<i>hi</i>");', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.markdown("**hi**");', "mime": "text/markdown"},
    ]

    code_clear_output = (
        'console.log("before");\n'
        '(globalThis as any)[Symbol.for("numlab.kernel.hooks")].clearOutput(false);'
    )


if __name__ == "__main__":
    unittest.main()

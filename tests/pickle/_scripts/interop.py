"""CPython's side of tests/pickle/interop_test.ts.

`python3 interop.py make` prints {name: [base64 pickle for protocols 0-5]}
for every value in VALUES.
`python3 interop.py check` reads [{"name"|"expr", "protocol", "data"}] on
stdin, loads each pickle with CPython and compares it with VALUES[name]
(values that went through Deno and back) or eval(expr) (values Deno made),
and prints the list of mismatches as JSON.
"""

import base64
import collections
import datetime
import json
import pickle
import sys
from multiprocessing.managers import Token


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return type(other) is Point and self.__dict__ == other.__dict__


def make_values():
    rec_list = []
    rec_list.append(rec_list)
    rec_dict = {}
    rec_dict["self"] = rec_dict
    inner = []
    rec_tuple = (inner,)
    inner.append(rec_tuple)
    shared = [1, "s"]
    return {
        "none": None,
        "true": True,
        "false": False,
        "ints": [0, 1, -1, 255, 256, -256, 65535, 65536, 2**31 - 1, -2**31,
                 2**31, -2**31 - 1, 2**53 - 1, -(2**53 - 1)],
        "big_ints": [2**53, -2**53, 2**63 - 1, -2**63, 2**64, 10**100,
                     -(10**100), 2**1000 + 1],
        "floats": [0.5, -2.25, 1e-300, 0.1, 5e-324, float("inf"),
                   float("-inf"), 1.7976931348623157e308],
        "integral_float": 3.0,
        "neg_zero": -0.0,
        "strs": ["", "abc", "h\u00e9llo", "\u20ac", "\U0001F600",
                 "a\nb\\c\r\x00\x1a", "x" * 300, "\u00e9" * 200, "'\""],
        "lone_surrogate": "a\ud800b",
        "bytes": [b"", b"\x00\xff", bytes(range(256)) * 2],
        "bytearray": bytearray(b"ab\x00"),
        "list": [1, [2, "x"], []],
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "dict": {"a": 1, "b": [2, None]},
        "dict_int_keys": {1: "a", "b": 2},
        "dict_tuple_key": {(1, 2): 3},
        "set": {1, 2, "x"},
        "frozenset": frozenset({1, 2}),
        "frozenset_in_set": {frozenset({1})},
        "empty_set": set(),
        "request": (None, "dummy", (1, "x"), {}),
        "long_list": list(range(2500)),
        "long_dict": {f"k{i}": i for i in range(2500)},
        "value_error": ValueError("bad"),
        "key_error": KeyError("k"),
        "os_error": OSError(2, "No such file or directory", "f.txt"),
        "timeout_error": TimeoutError("t"),
        "exception": Exception("e", 1),
        "zero_division": ZeroDivisionError("division by zero"),
        "rec_list": rec_list,
        "rec_dict": rec_dict,
        "rec_tuple": rec_tuple,
        "shared": [shared, shared],
        "token": Token("Queue", ("127.0.0.1", 5000), "7f3e"),
        "date": datetime.date(2026, 12, 7),
        "complex": complex(1, 2),
        "ordered_dict": collections.OrderedDict([("a", 1), ("b", 2)]),
        "range": range(1, 7, 2),
        "point": Point(1, [2, 3]),
        "point_class": Point,
        "int_type": int,
    }


def same(name, a, b):
    """Whether b (a value back from Deno) is the same as a."""
    if isinstance(a, BaseException):
        return type(a) is type(b) and a.args == b.args
    if name == "rec_list":
        return type(b) is list and len(b) == 1 and b[0] is b
    if name == "rec_dict":
        return type(b) is dict and list(b) == ["self"] and b["self"] is b
    if name == "rec_tuple":
        return (type(b) is tuple and type(b[0]) is list
                and b[0][0] is b)
    if name == "shared":
        return b == a and b[0] is b[1]
    if name == "token":
        return type(b) is Token and repr(a) == repr(b)
    if name == "neg_zero":
        return repr(b) == "-0.0"
    if name == "lone_surrogate":
        return a == b
    return a == b


def main():
    values = make_values()
    if sys.argv[1] == "make":
        out = {}
        for name, value in values.items():
            out[name] = [
                base64.b64encode(pickle.dumps(value, p)).decode()
                for p in range(6)
            ]
        print(json.dumps(out))
        return
    cases = json.load(sys.stdin)
    failures = []
    for case in cases:
        data = base64.b64decode(case["data"])
        where = dict(case)
        del where["data"]
        try:
            got = pickle.loads(data)
        except Exception as e:
            failures.append({**where, "error": repr(e)})
            continue
        if "name" in case:
            ok = same(case["name"], values[case["name"]], got)
            want = values[case["name"]]
        else:
            want = eval(case["expr"])
            ok = type(got) is type(want) and (
                got == want or repr(got) == repr(want))
        if not ok:
            failures.append({**where, "got": repr(got)[:200],
                             "want": repr(want)[:200]})
    print(json.dumps(failures))


if __name__ == "__main__":
    main()

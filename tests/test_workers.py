"""Worker processes (generator.workers): a cold build split across processes gives
the same bytes and the same diagnostics as one process, in the same order.

Cases that fork run in a fresh interpreter: forking needs a process with no
other thread, which a pytest session (with its browser fixture) does not promise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator import workers

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

# Counts the processes forked while the script runs (multiprocessing forks through os.fork).
PRELUDE = """
import json, os, sys
import generator.workers as workers
workers.MIN_ITEMS = 1
forks = 0
_fork = os.fork
def _counting_fork():
    global forks
    forks += 1
    return _fork()
os.fork = _counting_fork
"""


def run(script: str, *, jobs: str = "2", cwd: Path = ROOT) -> dict:
    env = {**os.environ, "HANDBOOK_JOBS": jobs, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        timeout=120,  # a worker pool that waits for ever fails here
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_results_come_back_in_input_order_from_two_workers():
    out = run(
        """
        import time
        def square(i):
            time.sleep(0.02)  # long enough that both workers take chunks
            return i * i, os.getpid()
        results = workers.map_in_order(square, list(range(103)))
        print(json.dumps({"values": [v for v, _ in results], "pids": sorted({p for _, p in results}),
                          "parent": os.getpid(), "forks": forks}))
        """
    )
    assert out["values"] == [i * i for i in range(103)]
    assert len(out["pids"]) == 2 and out["parent"] not in out["pids"]
    assert out["forks"] == 2


@pytest.mark.parametrize(
    ("jobs", "setup"),
    [
        ("1", ""),  # HANDBOOK_JOBS=1 turns workers off
        ("2", "workers.MIN_ITEMS = 400"),  # too little work to pay for a fork
        # Another thread could hold a lock at the fork: no workers while one runs.
        ("2", "import threading; threading.Thread(target=threading.Event().wait, daemon=True).start()"),
    ],
    ids=["one-job", "few-items", "thread-running"],
)
def test_work_stays_in_this_process_when_workers_would_not_pay_or_be_safe(jobs, setup):
    out = run(
        setup
        + """
results = workers.map_in_order(lambda i: os.getpid(), list(range(50)))
print(json.dumps({"pids": sorted(set(results)), "parent": os.getpid(), "forks": forks}))
""",
        jobs=jobs,
    )
    assert out == {"pids": [out["parent"]], "parent": out["parent"], "forks": 0}


def test_an_exception_in_a_worker_is_raised_in_the_caller():
    out = run(
        """
        def check(i):
            if i == 7:
                raise ValueError(f"bad item {i}")
            return i
        try:
            workers.map_in_order(check, list(range(20)))
        except ValueError as exc:
            print(json.dumps({"error": str(exc), "forks": forks}))
        """
    )
    assert out == {"error": "bad item 7", "forks": 2}


def test_a_worker_that_dies_fails_the_build_instead_of_hanging_it():
    """The kernel's OOM killer on a small build server: the caller hears of it."""
    out = run(
        """
        def check(i):
            if i == 7:
                os._exit(9)
            return i
        try:
            workers.map_in_order(check, list(range(20)))
        except workers.WorkerError as exc:
            print(json.dumps({"error": str(exc)}))
        """
    )
    assert out["error"].startswith("a worker process stopped before finishing (")
    assert out["error"].endswith(
        "); the build stopped. Free some memory, or set HANDBOOK_JOBS=1 to work in one process"
    )


def test_the_command_line_reports_a_dead_worker_in_one_line(monkeypatch, capsys):
    from generator import cli

    def dies(**_: object) -> None:
        raise workers.WorkerError("a worker process stopped before finishing (killed)")

    monkeypatch.setattr(cli, "cli", dies)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    assert capsys.readouterr().err == "error: a worker process stopped before finishing (killed)\n"


@pytest.mark.parametrize("value", ["two", "0", "-1", "1.5"])
def test_handbook_jobs_must_be_a_whole_number_of_processes(monkeypatch, value):
    monkeypatch.setenv("HANDBOOK_JOBS", value)
    with pytest.raises(workers.WorkerError) as raised:
        workers.job_count()
    assert str(raised.value) == f"HANDBOOK_JOBS must be a whole number of processes, 1 or more (got '{value}')"


def test_handbook_jobs_sets_the_number_of_workers(monkeypatch):
    monkeypatch.setenv("HANDBOOK_JOBS", " 3 ")
    assert workers.job_count() == 3


BUILD = """
import hashlib
from pathlib import Path
from generator.build import prepare
docs = Path(os.environ["DOCS"])
prepare(Path(os.environ["CONTENT"]), docs)
tree = {p.relative_to(docs).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(docs.rglob("*")) if p.is_file()}
print(json.dumps({"tree": tree, "forks": forks}))
"""


def test_a_build_in_workers_writes_the_same_bytes_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTENT", str(CONTENT))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    monkeypatch.setenv("DOCS", str(tmp_path / "two"))
    two = run(BUILD, jobs="2")
    monkeypatch.setenv("DOCS", str(tmp_path / "one"))
    one = run(BUILD, jobs="1")
    # Two workers each to read the topics and the calculators and to render the
    # topic pages but the first (rendered first, in this process).
    topics, calculators = len(list(CONTENT.glob("topics/*.yaml"))), len(list(CONTENT.glob("calculators/*.yaml")))
    assert two["forks"] == sum(2 for n in (topics, calculators, topics - 1) if n >= 2) and one["forks"] == 0
    # A page per topic, 8 index pages, About and the authoring guide, a validation page
    # and a program script per calculator.
    assert len(two["tree"]) == topics + 10 + 2 * calculators
    assert two["tree"] == one["tree"]


VALIDATE = """
from pathlib import Path
from generator.validate import validate_content
handbook, report = validate_content(Path(os.environ["CONTENT"]))
print(json.dumps({"diagnostics": [str(d) for d in report.sorted()], "forks": forks}))
"""


def test_errors_found_in_workers_are_reported_with_their_positions(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    topics = content / "topics"
    # A YAML syntax error, a duplicate key and a model error, each in its own file.
    (topics / "platelet-transfusion-in-itp.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    steroids = topics / "corticosteroids-in-itp.yaml"
    lines = steroids.read_text(encoding="utf-8").splitlines()
    first = lines.index(next(line for line in lines if line.startswith("specialty:"))) + 1
    steroids.write_text("\n".join([*lines, "specialty: Haematology", ""]), encoding="utf-8")
    grading = topics / "ctcae-thrombocytopenia-grading.yaml"
    grading.write_text(grading.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle:\n  - ", 1), encoding="utf-8")
    monkeypatch.setenv("CONTENT", "content")
    two = run(VALIDATE, jobs="2", cwd=tmp_path)
    one = run(VALIDATE, jobs="1", cwd=tmp_path)
    assert two["forks"] > 0 and one["forks"] == 0
    assert two["diagnostics"] == one["diagnostics"]
    assert two["diagnostics"] == [
        f"content/topics/corticosteroids-in-itp.yaml:{len(lines) + 1}:1: specialty: duplicate key 'specialty' "
        f"(first defined at line {first}; expected each key once)",
        "content/topics/ctcae-thrombocytopenia-grading.yaml:9:3: title: expected text, got a list",
        "content/topics/platelet-transfusion-in-itp.yaml:2:1: <yaml>: YAML syntax error: while parsing a "
        "flow sequence: did not find expected ',' or ']'",
    ]

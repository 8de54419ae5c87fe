"""Each operator, in both modes, against a live domino-server: successes, failures, a mapped
task in a TaskGroup, and a task whose API key is an explicit argument."""

from __future__ import annotations

from _dag_support import DAG, PROJECT, START, TaskGroup, setting, task

from domino.airflow import DominoJobOperator, DominoOperator, DominoSparkOperator

CLUSTER = {
    "clusterType": "Spark",
    "computeEnvironmentId": "5f0000000000000000000002",
    "masterHardwareTierId": "small-k8s",
    "workerHardwareTierId": "small-k8s",
    "workerCount": 1,
}

with DAG("domino_basic", schedule=None, start_date=START, catchup=False) as dag:
    for deferrable in (False, True):
        suffix = "_deferred" if deferrable else ""
        DominoJobOperator(
            task_id=f"job_ok{suffix}",
            project=PROJECT,
            command="hello.py job_ok" + suffix,
            title="job_ok" + suffix,
            hardware_tier_name="Small",
            deferrable=deferrable,
            poll_freq=1,
        )
        DominoJobOperator(
            task_id=f"job_fail{suffix}",
            project=PROJECT,
            command="fail.py",
            title="job_fail" + suffix,
            deferrable=deferrable,
            poll_freq=1,
        )
        DominoOperator(
            task_id=f"run_ok{suffix}",
            project=PROJECT,
            command=["hello.py", "run_ok" + suffix],
            title="run_ok" + suffix,
            tier="Small",
            deferrable=deferrable,
            poll_freq=1,
        )
        DominoSparkOperator(
            task_id=f"spark_ok{suffix}",
            project=PROJECT,
            command="hello.py spark_ok" + suffix,
            compute_cluster_properties=CLUSTER,
            deferrable=deferrable,
            poll_freq=1,
        )
    # unknown tiers: refused before any job starts
    DominoOperator(task_id="bad_tier_run", project=PROJECT, command=["hello.py"], tier="Huge")
    DominoJobOperator(
        task_id="bad_tier_job", project=PROJECT, command="hello.py", hardware_tier_name="Huge"
    )
    with TaskGroup("grp"):
        DominoJobOperator.partial(task_id="train", project=PROJECT, poll_freq=1).expand(
            command=["hello.py mapped-a", "hello.py mapped-b"]
        )
    # a key given as an argument (another user's project): must stay out of logs and the DB;
    # deferrable=True must fall back to waiting in the worker
    DominoJobOperator(
        task_id="explicit_key",
        project=setting("BOB_PROJECT", "bob/p"),
        command="hello.py explicit_key",
        host=setting("HOST") or None,
        api_key=setting("BOB_KEY") or None,
        deferrable=True,
        poll_freq=1,
    )
    # commands that an upstream task returns (XComArgs, resolved when the task runs)

    @task
    def job_command() -> str:
        return "hello.py from_xcom_job"

    @task
    def run_command() -> list[str]:
        return ["hello.py", "from_xcom_run"]

    DominoJobOperator(task_id="from_xcom_job", project=PROJECT, command=job_command(), poll_freq=1)
    DominoOperator(task_id="from_xcom_run", project=PROJECT, command=run_command(), poll_freq=1)

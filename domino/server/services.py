"""The backends of one server, built once and shared by every router (``app.state.services``)."""

from __future__ import annotations

from dataclasses import dataclass

from domino.server.apps import Apps
from domino.server.cost import Cost
from domino.server.datasets import Datasets
from domino.server.environments import Environments
from domino.server.executions import Executions
from domino.server.models import Models
from domino.server.projects import Projects
from domino.server.repo import Repo
from domino.server.runner import Runner
from domino.server.store import Store


@dataclass
class Services:
    store: Store
    repo: Repo
    projects: Projects
    executions: Executions
    runner: Runner
    apps: Apps
    datasets: Datasets
    environments: Environments
    cost: Cost
    models: Models

    @classmethod
    def build(cls, store: Store, *, workers: int | None, stop_grace: float) -> Services:
        repo = Repo(store)
        runner = Runner(store, workers=workers, stop_grace=stop_grace)
        apps = Apps(store, repo, stop_grace=stop_grace)
        runner.on_shutdown.append(apps.kill_all)
        runner.on_reset.append(apps.kill_all)
        models = Models(store, repo, stop_grace=stop_grace)
        runner.on_shutdown.append(models.processes.stop_all)
        runner.on_reset.append(models.reset)
        return cls(
            store=store,
            repo=repo,
            projects=Projects(store, repo),
            executions=runner.executions,
            runner=runner,
            apps=apps,
            datasets=Datasets(store),
            environments=Environments(store),
            cost=Cost(store),
            models=models,
        )

    def ensure_quick_start(self, owner_name: str) -> None:
        """Give ``owner_name`` the ``quick-start`` project public-client tests expect."""
        user = self.store.ensure_user(owner_name)
        if self.store.find_project(owner_name, "quick-start") is None:
            self.projects.create(user["id"], "quick-start")

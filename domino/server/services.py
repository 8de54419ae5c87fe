"""The backends of one server, built once and shared by every router (``app.state.services``)."""

from __future__ import annotations

from dataclasses import dataclass

from domino.server.projects import Projects
from domino.server.repo import Repo
from domino.server.runner import Runner
from domino.server.store import Store


@dataclass
class Services:
    store: Store
    repo: Repo
    projects: Projects
    runner: Runner

    @classmethod
    def build(cls, store: Store, *, workers: int | None, stop_grace: float) -> Services:
        repo = Repo(store)
        projects = Projects(store, repo)
        runner = Runner(store, workers=workers, stop_grace=stop_grace)
        return cls(store=store, repo=repo, projects=projects, runner=runner)

    def ensure_quick_start(self, owner_name: str) -> None:
        """Give ``owner_name`` the ``quick-start`` project public-client tests expect."""
        user = self.store.ensure_user(owner_name)
        if self.store.find_project(owner_name, "quick-start") is None:
            self.projects.create(user["id"], "quick-start")

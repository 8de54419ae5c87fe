"""Packaging for the ``dominodatalab`` distribution (import package ``domino``)."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (HERE / "domino" / "_version.py").read_text(), re.M
).group(1)  # type: ignore[union-attr]

SERVER = ["fastapi>=0.110", "uvicorn>=0.29", "python-multipart>=0.0.9"]
CLI: list[str] = ["click>=8.1"]
AIRFLOW = ["apache-airflow>=2.10"]
PIPELINES = ["pyyaml>=6", "pydantic>=2.6", "croniter>=2", "click>=8.1"]
DEV = [
    "pytest>=8",
    "pytest-timeout>=2.3",
    "requests-mock>=1.11",
    "mypy>=1.10",
    "ruff>=0.5",
    "types-requests",
    "types-PyYAML",
    "httpx>=0.27",
    "schemathesis>=4.3,<5",
    # tests/e2e/test_install.py builds the wheel offline (--no-build-isolation)
    "setuptools>=68",
    "wheel",
]

setup(
    name="dominodatalab",
    version=VERSION,
    description="Python bindings for the Domino Data Lab REST API, with a local Domino-compatible server",
    long_description=(HERE / "README.adoc").read_text(encoding="utf-8"),
    long_description_content_type="text/plain",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["domino", "domino.*"]),
    package_data={"domino": ["py.typed"]},
    install_requires=[
        "requests>=2.31",
        "urllib3>=1.26.19,<3",
        "packaging>=23",
        "polling2>=0.5",
        "tqdm>=4.66",
    ],
    extras_require={
        "server": SERVER,
        "cli": CLI,
        "airflow": AIRFLOW,
        # domino.data_sources / domino.training_sets wrap this package, as in the public client
        "data": ["dominodatalab-data>=0.1.0"],
        "pipelines": PIPELINES,
        "dev": DEV + SERVER + CLI + PIPELINES,
    },
    entry_points={
        "console_scripts": [
            "domino-server=domino.server.__main__:main",
            "domino=domino.cli:main",
        ],
        "apache_airflow_provider": [
            "provider_info=domino.airflow._provider:get_provider_info",
        ],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Typing :: Typed",
    ],
)

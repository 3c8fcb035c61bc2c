"""All settings in one place, read from ``ARKIV_*`` environment variables (or a .env file) at entry points."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARKIV_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("arkiv-data"), description="Folder for all state: register, vectors, models, logs")
    archive_dir: Path = Field(Path("examples/rapporter"), description="Folder of source reports (default archive)")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded Chroma in the data dir")
    embedding_model: str = Field(
        "bundled:multilingual-e5-small",
        description="Sentence-transformers model: the bundled e5, a folder, or a hub name (needs internet)",
    )
    model_cache_dir: Path | None = Field(
        None, description="Where the converted bundled model is kept (a models/ folder inside); unset = the data dir"
    )
    embedding_batch_size: int = Field(16, ge=1, description="Passages per embedding batch")
    embedding_backend: Literal["torch", "onnx-int8", "onnx-mixed", "onnx"] = Field(
        "torch",
        description="How a local model runs: PyTorch, ONNX Runtime int8 (about 2x faster, recall@5 up to 0.04 "
        "lower), onnx-mixed (int8 with fp32 FFN outputs: recall@5 within 0.01) or ONNX fp32; "
        "an ONNX export that fails falls back to PyTorch",
    )
    embed_url: str | None = Field(
        None, description="OpenAI-compatible /v1/embeddings server; set = embed there instead of locally"
    )
    embed_model: str = Field("intfloat/multilingual-e5-small", description="Model name sent to the embedding server")
    embed_api_key: str | None = Field(None, description="API key for the embedding server, if it needs one")
    chunk_size: int = Field(800, ge=100, description="Target passage length in characters")
    chunk_max_size: int = Field(1200, ge=100, description="Hard maximum passage length in characters")
    chunk_overlap: int = Field(200, ge=0, description="Longest sentence repeated across a passage boundary")
    max_file_mb: int = Field(100, ge=1, description="Files larger than this are skipped with a message")
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint for a language model; unset = extractive answers only"
    )
    llm_model: str = Field("qwen2.5", description="Model name sent to the language-model endpoint")
    llm_api_key: str | None = Field(None, description="API key for the language-model endpoint, if it needs one")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the language model before falling back")
    top_k: int = Field(6, ge=1, description="Passages returned by search and given to the answerer")
    mask_personal_data: bool = Field(
        True, description="Mask personnummer and phone numbers in answers, passages and logs"
    )
    admins_see_personal_data: bool = Field(
        False, description="Administrators see personnummer and phone numbers unmasked in the app and API"
    )
    candidates: int = Field(
        60, ge=5, description="Candidates taken from each of dense and lexical search before fusion"
    )

    host: str = Field("127.0.0.1", description="Address `arkiv serve` binds to; with no users it is always 127.0.0.1")
    port: int = Field(8000, ge=1, le=65535, description="Port `arkiv serve` listens on")
    session_hours: float = Field(12.0, gt=0, description="How long a login lasts (app cookie and API token)")
    audit_retention_days: int = Field(
        365, ge=1, description="Days the audit log keeps who asked, searched or uploaded what"
    )

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()

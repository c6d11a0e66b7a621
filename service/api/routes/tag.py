from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from model.predict import tag_records
from service.api.deps import BundleDep
from service.api.schemas import ArticleIn, TagOut

router = APIRouter(tags=["tagging"])


@router.post("/tag", response_model=TagOut)
async def tag(article: ArticleIn, bundle: BundleDep) -> TagOut:
    """Tag one article with a topic (and the full ranking) and its campaigns."""
    row = (await run_in_threadpool(tag_records, bundle, [article.model_dump()], ranking=True))[0]
    if "error" in row:
        raise HTTPException(status_code=422, detail=row["error"])
    for c in row["campaigns"]:
        c["name"] = bundle.taxonomy.campaign(c["id"]).name
    row["model"] = {"name": bundle.name, "version": bundle.version, "kind": bundle.manifest.kind}
    return TagOut.model_validate(row)

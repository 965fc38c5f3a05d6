"""The peer a user writes by hand: FastAPI + uvicorn, a pydantic model of
the credit-risk signature, xgboost inplace_predict. Run by bench/serve/run
with Debian's python3-fastapi, python3-uvicorn, python3-xgboost."""
import os

import numpy as np
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel, Field

F = ["income", "debt_ratio", "credit_score", "age", "employment_years",
     "num_credit_lines", "loan_amount", "has_prior_default"]
booster = xgb.Booster()
booster.load_model(os.environ["MODEL"])
booster.set_param({"nthread": 1})
app = FastAPI()


class Features(BaseModel):
    income: float = Field(ge=0)
    debt_ratio: float = Field(ge=0, le=1)
    credit_score: int = Field(ge=300, le=850)
    age: int = Field(ge=18, le=120)
    employment_years: float | None = Field(default=None, ge=0, le=70)
    num_credit_lines: int = Field(ge=0)
    loan_amount: float = Field(ge=0)
    has_prior_default: bool


class Request(BaseModel):
    features: Features


@app.post("/predict")
def predict(req: Request):
    f = req.features
    x = np.array([[f.income, f.debt_ratio, f.credit_score, f.age,
                   np.nan if f.employment_years is None else f.employment_years,
                   f.num_credit_lines, f.loan_amount, float(f.has_prior_default)]])
    p = float(booster.inplace_predict(x)[0])
    return {"prediction": int(p >= 0.5), "probability": p}


@app.post("/predict/batch")
def predict_batch(rows: list[Features]):
    x = np.array([[f.income, f.debt_ratio, f.credit_score, f.age,
                   np.nan if f.employment_years is None else f.employment_years,
                   f.num_credit_lines, f.loan_amount, float(f.has_prior_default)]
                  for f in rows])
    p = booster.inplace_predict(x)
    return {"predictions": [{"prediction": int(v >= 0.5), "probability": float(v)}
                            for v in p]}

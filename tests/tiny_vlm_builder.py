"""Write tiny random-weight VLM checkpoints (smolvlm/idefics3, qwen2_vl) that `mlx_vlm.load` reads (tests only)."""

import json
from pathlib import Path

_CORPUS = ["What colour is the sign? The sign is red.", "How many circles are there? 3 circles.",
           "Describe the photo. A photo of some shapes on a table.", "Is the blue square on the left or the right?"]

_SMOL_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
_QWEN_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}{% else %}{% for c in message['content'] %}{% if c['type'] == 'image' %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _tokenizer(out: Path, special: list[str], template: str, cfg: dict) -> dict:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=special,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_CORPUS * 10, trainer)
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "PreTrainedTokenizerFast",
                                                           "model_max_length": 4096, "chat_template": template, **cfg}))
    (out / "chat_template.jinja").write_text(template)
    return {t: tok.token_to_id(t) for t in special} | {"__vocab__": tok.get_vocab_size()}


def _weights(out: Path, cfg: dict, seed: int) -> None:
    import memlora_mlx  # noqa: F401
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_vlm.utils import get_model_and_args

    mx.random.seed(seed)
    mod, _ = get_model_and_args(dict(cfg))
    mc = mod.ModelConfig.from_dict(dict(cfg))
    text = cfg.get("text_config") or {k: v for k, v in cfg.items() if k != "vision_config"}
    mc.text_config = mod.TextConfig.from_dict(dict(text))
    mc.vision_config = mod.VisionConfig.from_dict(dict(cfg["vision_config"]))
    model = mod.Model(mc)
    mx.save_safetensors(str(out / "model.safetensors"), dict(tree_flatten(model.parameters())))


def write_tiny_smolvlm(out, seed: int = 0) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<fake_token_around_image>", "<global-img>",
               "<end_of_utterance>"]
    ids = _tokenizer(out, special, _SMOL_TEMPLATE, {
        "bos_token": "<|im_start|>", "eos_token": "<end_of_utterance>", "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>", "extra_special_tokens": {
            "image_token": "<image>", "fake_image_token": "<fake_token_around_image>",
            "global_image_token": "<global-img>", "end_of_utterance_token": "<end_of_utterance>"}})
    V = ids["__vocab__"]
    cfg = {"model_type": "smolvlm", "architectures": ["SmolVLMForConditionalGeneration"], "image_token_id": ids["<image>"],
           "scale_factor": 2, "vocab_size": V, "eos_token_id": [ids["<end_of_utterance>"]],
           "text_config": {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
                           "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": V, "rms_norm_eps": 1e-5,
                           "rope_theta": 10000.0, "max_position_embeddings": 512, "tie_word_embeddings": False},
           "vision_config": {"model_type": "smolvlm_vision", "hidden_size": 32, "intermediate_size": 64,
                             "num_attention_heads": 2, "num_hidden_layers": 1, "patch_size": 8, "image_size": 32,
                             "num_channels": 3}}
    (out / "config.json").write_text(json.dumps(cfg))
    (out / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "SmolVLMImageProcessor", "processor_class": "SmolVLMProcessor", "do_resize": True,
        "size": {"longest_edge": 32}, "max_image_size": {"longest_edge": 32}, "do_image_splitting": False,
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.5] * 3,
        "image_std": [0.5] * 3, "do_pad": True, "do_convert_rgb": True, "resample": 1}))
    (out / "processor_config.json").write_text(json.dumps({"processor_class": "SmolVLMProcessor", "image_seq_len": 4}))
    _weights(out, cfg, seed)
    return out


def write_tiny_qwen2_vl(out, seed: int = 0) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
               "<|video_pad|>"]
    ids = _tokenizer(out, special, _QWEN_TEMPLATE, {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                                                     "unk_token": "<|endoftext|>"})
    V = ids["__vocab__"]
    cfg = {"model_type": "qwen2_vl", "architectures": ["Qwen2VLForConditionalGeneration"], "vocab_size": V,
           "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2,
           "num_hidden_layers": 2, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 1024,
           "tie_word_embeddings": False, "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
           "image_token_id": ids["<|image_pad|>"], "video_token_id": ids["<|video_pad|>"],
           "vision_start_token_id": ids["<|vision_start|>"], "vision_end_token_id": ids["<|vision_end|>"],
           "eos_token_id": ids["<|im_end|>"],
           "vision_config": {"model_type": "qwen2_vl", "depth": 1, "embed_dim": 32, "hidden_size": 64, "num_heads": 2,
                             "mlp_ratio": 2, "patch_size": 8, "spatial_patch_size": 8, "spatial_merge_size": 2,
                             "temporal_patch_size": 2, "in_channels": 3, "in_chans": 3}}
    (out / "config.json").write_text(json.dumps(cfg))
    (out / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2VLProcessor",
        "min_pixels": 32 * 32, "max_pixels": 64 * 64, "patch_size": 8, "temporal_patch_size": 2, "merge_size": 2,
        "image_mean": [0.5] * 3, "image_std": [0.5] * 3, "do_rescale": True, "rescale_factor": 1 / 255,
        "do_normalize": True, "do_convert_rgb": True}))
    _weights(out, cfg, seed)
    return out

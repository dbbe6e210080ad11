/**
 * The hand-written half of the model catalog: what Pruna's OpenAPI document does not say, in the
 * project's own words. `npm run catalog` reads this file (to place models in tasks and to list what
 * still needs words) and never writes it; the nodes read it for the descriptions they show.
 * A model or field missing here still works: it gets a plain description made from its facts.
 */
import type { ModelTask } from './model-types';

/**
 * Pruna's groups of models, as its document's description names them, and the node's task for
 * each. A group not listed here makes the generator derive the task from the model's inputs.
 */
export const taskOfCategory: Readonly<Record<string, ModelTask>> = {
	'Text-to-Image': 'textToImage',
	'Image Editing': 'imageEditing',
	'Image Upscaling': 'upscaling',
	'Virtual Try-On': 'tryOn',
	'Text-to-Video': 'video',
	'Image-to-Video': 'video',
	'Text-to-Video/Image-to-Video': 'video',
	'Avatar Video Generation': 'video',
	'Video Animation': 'video',
	'Video Replacement': 'video',
	'Video Generation/Editing': 'video',
	'LoRA Trainers': 'loraTraining',
};

/** A model's task where the document's grouping would place it wrongly or not at all. */
export const modelTasks: Readonly<Record<string, ModelTask>> = {};

/** What each model is, in a line: shown under its name in the model list. */
export const modelSummaries: Readonly<Record<string, string>> = {
	'flux-dev': 'FLUX.1 [dev], accelerated by Pruna',
	'flux-dev-lora': 'FLUX.1 [dev] with LoRAs, text to image or image to image',
	'flux-2-klein-4b': 'FLUX.2 [klein] 4B: text to image, optionally guided by reference images',
	'wan-i2v': 'Wan 2.2 image to video, from a first (and optional last) frame',
	'wan-t2v': 'Wan 2.2 text to video, 480p or 720p',
	'wan-image-small': 'Wan image model, small and quick; up to four images per call',
	'qwen-image': 'Qwen-Image: text to image, image to image, LoRA support',
	'qwen-image-fast': 'Qwen-Image, faster variant with a creativity control',
	'qwen-image-edit-plus': 'Qwen-Image-Edit-Plus: instruction-based editing of one or more images',
	vace: 'VACE 14B: video editing and generation from video, mask and reference images',
	'p-image': "Pruna's fast text-to-image model; refines the prompt itself; preset or custom sizes",
	'p-image-edit': "Pruna's image editor: edits or combines 1 to 5 images following an instruction",
	'p-image-lora': 'p-image with LoRA weights from Hugging Face (train them with p-image-trainer)',
	'p-image-edit-lora': 'p-image-edit with LoRA weights (train them with p-image-edit-trainer)',
	'z-image-turbo': 'Z-Image Turbo: few-step text to image up to 2048 px',
	'z-image-turbo-lora': 'Z-Image Turbo with one or more LoRAs',
	'p-video': "Pruna's video model: text or image to video, with optional audio, up to 20 s",
	'p-video-animate': "Animates the subject of an image with a source video's motion",
	'p-video-replace': 'Replaces the people in a video with the people of reference images',
	'p-video-avatar': 'Talking avatar: a portrait speaks a script or an audio track',
	'p-image-upscale': 'Upscales an image to a target size in megapixels',
	'p-image-try-on': 'Virtual try-on: dresses a person image in garment images',
	'p-image-trainer': 'Trains a LoRA for p-image from a zip of images; outputs a zip of weights',
	'p-image-edit-trainer':
		'Trains a LoRA for p-image-edit from a zip of before/after pairs; outputs a zip of weights',
};

/** What each field does, in a line, whatever the model; `fieldNotes` overrides it for one model. */
export const fieldDescriptions: Readonly<Record<string, string>> = {
	aspect_ratio: 'Shape of the output. "match_input_image" keeps the first input image\'s shape.',
	audio: 'An audio file that drives the video: a URL',
	creativity: 'Higher values vary the results more from seed to seed',
	default_caption: 'Caption for images that have no caption file; training fails without one',
	disable_prompt_upsampling: 'Use the video prompt as written, without automatic enhancement',
	disable_safety_checker: 'Turn off the check of the generated output for unsafe content',
	disable_safety_filter: 'Turn off the check of the prompt and input image for unsafe content',
	draft: 'A quicker, lower-quality preview; with the same seed it matches the full render',
	duration: 'Length of the video in seconds (ignored when audio is given)',
	enhance_details: 'Sharpen fine textures; may add contrast and small deviations',
	enhance_prompt: 'Let the model enrich the prompt before generating',
	enhance_realism: 'Make the result more photographic; suits AI-generated images',
	extra_lora: 'A second LoRA: Hugging Face owner/model[/file.safetensors]',
	extra_lora_scale: 'How strongly the extra LoRA(s) apply',
	extra_lora_weights: 'More LoRA weights (URLs), one per entry',
	fps: 'Frames per second of the video',
	frame_num: 'Number of frames to generate',
	frames_per_second: 'Frames per second of the video',
	garment_images: 'The garments to put on the person: URLs (up to 6 recommended, 11 at most)',
	go_fast: 'Extra speed optimizations',
	guidance: 'How closely the image follows the prompt; lower looks more natural',
	guidance_scale: 'How closely the image follows the prompt (0 suits turbo models)',
	height: 'Height in pixels (with aspect ratio "custom" where the model has it; multiples of 16)',
	hf_api_token: 'Hugging Face token, for LoRA weights that need one. Never stored in the output.',
	ignore_audio: "Ignore the source video's audio while generating (it can still be saved)",
	image: 'Input image: a URL',
	image_data: 'A zip archive of training images: a URL',
	image_size: 'Output size setting',
	images: 'Input images, main image first: URLs, one per entry',
	instruction_prompt: 'Extra instructions for the edit',
	interpolate_output: 'Interpolate the video to 30 fps',
	juiced: 'Extra speed optimizations',
	last_frame_image: 'The image the video should end on: a URL',
	last_image: 'An optional last frame, for a smoother ending: a URL',
	learning_rate: 'Learning rate of the LoRA training',
	lora: 'LoRA weights: Hugging Face owner/model[/file.safetensors]',
	lora_scale: 'How strongly the LoRA applies',
	lora_scale_transformer: 'How strongly the first transformer LoRA applies',
	lora_scale_transformer_2: 'How strongly the second transformer LoRA applies',
	lora_scales: 'One strength per LoRA, in the order of the LoRA weights',
	lora_weights: 'LoRA weights: a Hugging Face repository URL (huggingface.co/owner/model)',
	lora_weights_transformer:
		'LoRA weights (.safetensors URL) for the first (high-noise) transformer',
	lora_weights_transformer_2:
		'LoRA weights (.safetensors URL) for the second (low-noise) transformer',
	megapixels: 'Approximate output size in megapixels',
	negative_prompt: 'What the output should not contain',
	num_frames: 'Number of frames (81 works best)',
	num_inference_steps: 'Denoising steps: more is slower and finer',
	num_outputs: 'How many images to generate',
	optimize_prompt: 'Translate the prompt to Chinese before generating',
	output_format: 'File format of the output',
	output_megapixels: 'Output size in megapixels',
	output_quality: 'Compression quality for jpg and webp (100 is best)',
	person_image: 'The person to dress: a URL',
	preserve_input_size: "Return the result at the person image's resolution",
	prompt: 'What to generate, in words',
	prompt_strength: 'How much the prompt may change the input image (1 replaces it entirely)',
	prompt_upsampling: 'Let a language model expand the prompt first',
	reference_pose: 'Repose the person to match this image first: a URL',
	resolution: 'Output resolution',
	sample_guide_scale: 'Guidance scale of the sampler',
	sample_shift: 'Sampler shift',
	sample_solver: 'Sampler algorithm',
	sample_steps: 'Sampling steps',
	save_audio: 'Keep the audio in the output video',
	seed: 'Fix the seed to reproduce a result; leave unset for a random one',
	size: 'Output resolution (width*height)',
	speed_mode: 'Trade consistency for speed',
	src_mask: 'A mask video or image marking what to edit: a URL',
	src_ref_images: 'Reference images for the edit: URLs, one per entry',
	src_video: 'The video to edit: a URL',
	steps: 'Training steps (a multiple of 100)',
	strength: 'How far to move from the input image (image to image)',
	strength_negative_prompt: 'How strongly the negative prompt applies',
	target: 'Target size in megapixels',
	target_fps: 'Frame rate to work at ("original" keeps the source\'s)',
	training_type: 'What the LoRA should learn: content, style, or both',
	turbo: 'Faster, slightly less careful; turn off for complex tasks',
	video: 'The source video: a URL',
	video_prompt: 'How the person should look or behave while speaking',
	voice: 'Voice that speaks the script',
	voice_language: 'Language and accent of the speech',
	voice_prompt: 'How to speak the script: tone, pace, emotion (not spoken)',
	voice_script: 'The exact words to say (needed when no audio is given)',
	width: 'Width in pixels (with aspect ratio "custom" where the model has it; multiples of 16)',
};

/** What a field means for one model, where the general description would mislead. */
export const fieldNotes: Readonly<Record<string, Readonly<Record<string, string>>>> = {
	'flux-dev-lora': {
		image: 'Start from this image (image to image): a URL. The output takes its aspect ratio.',
	},
	'wan-i2v': {
		image: 'The image the video starts from: a URL',
		resolution: 'Output resolution',
	},
	'wan-t2v': {
		resolution: 'Output resolution',
	},
	'qwen-image': {
		image: 'Start from this image (image to image): a URL',
		lora_weights: 'LoRA weights for text to image (.safetensors, tar or zip URL)',
		negative_prompt: 'What the image should not show',
	},
	'qwen-image-edit-plus': {
		image: 'The images to edit, main image first: URLs',
	},
	'z-image-turbo-lora': {
		lora_weights: 'LoRA weights (.safetensors, tar or zip URLs), one per entry',
	},
	'p-video': {
		image: 'First frame of the video (image to video): a URL',
	},
	'p-video-animate': {
		image: 'The subject to animate: a URL',
		video: 'The source video (.mp4) that gives motion and audio: a URL',
		instruction_prompt: "How to animate the subject with the source video's motion",
	},
	'p-video-replace': {
		images: '1 to 3 identity reference images to place into the video: URLs',
		video: 'The source video (.mp4) whose people are replaced: a URL',
		instruction_prompt: 'How to place the reference people into the scene',
	},
	'p-video-avatar': {
		image: 'The portrait that speaks: a URL',
		negative_prompt: 'What the video should not show',
	},
	'p-image-upscale': {
		image: 'The image to upscale: a URL',
	},
	'p-image-try-on': {
		prompt:
			'Which garment to take from which image, when the garment images are not flat lays (experimental)',
	},
	'p-image-trainer': {
		image_data:
			'A zip of at least 10 images in one style or of one subject, optionally with a .txt caption per image: a URL',
	},
	'p-image-edit-trainer': {
		image_data: 'A zip of before/after pairs named NAME_start.EXT and NAME_end.EXT: a URL',
	},
};

"""2-D maps of a video's frames: projections (UMAP, PCA, the frame-map autoencoder) apart from their rendering."""
from latentcut.maps.projection import MAP_ENCODER, FrameMap, autoencoder_map, embed_frames, frame_map, map_video, subsample
from latentcut.maps.render import draw_map, poster, poster_layout

__all__ = ["MAP_ENCODER", "FrameMap", "autoencoder_map", "embed_frames", "draw_map", "frame_map", "map_video", "poster", "poster_layout", "subsample"]
